import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../../functions/release/ports.js';
import { sweep } from '../../../functions/release/sweep.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../../../functions/store/dynamodb-release-store.js';
import { createTestTable } from '../../support/dynamodb-table.js';
import { seedConfig } from '../../support/memory/harness.js';
import { MemoryCluster } from '../../support/memory/memory-cluster.js';

const record = (service: string, dueAt?: number) => ({
  pk: `SERVICE#${service}`,
  sk: 'RELEASE',
  version: 1,
  record: {
    service,
    version: 1,
    live: 'green',
    slots: {},
    weights: { blue: 0, green: 100 },
    phase: dueAt ? 'promoted' : 'stable',
    updatedAt: 0,
    updatedBy: 'seed',
    ...(dueAt ? { teardown: { slot: 'blue', dueAt, action: 'delete', version: '1.0.0-fe220c2' } } : {}),
  },
  ...(dueAt ? { gsi1pk: 'TEARDOWN', gsi1sk: `${String(dueAt).padStart(12, '0')}#${service}` } : {}),
});

/** Stores `unrelated` settled releases plus 3 due teardowns, runs one sweep, returns its DynamoDB requests by operation. */
async function sweepRequests(unrelated: number): Promise<Record<string, number>> {
  const table = await createTestTable(inject('dynamoEndpoint'), 'gray-scale');
  try {
    const now = Math.floor(Date.now() / 1000);
    const items = [
      ...Array.from({ length: unrelated }, (_, i) => record(`svc-${i}`)),
      ...[1, 2, 3].map((i) => record(`due-${i}`, now - 60)),
    ];
    const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) =>
      items.slice(i * 25, i * 25 + 25),
    );
    for (let i = 0; i < batches.length; i += 16) {
      await Promise.all(
        batches.slice(i, i + 16).map((batch) =>
          table.doc.send(
            new BatchWriteCommand({
              RequestItems: { [table.tableName]: batch.map((Item) => ({ PutRequest: { Item } })) },
            }),
          ),
        ),
      );
    }
    table.requests.reset();
    const cluster = new MemoryCluster();
    const report = await sweep({
      config: seedConfig(),
      store: new DynamoDbReleaseStore(table.client, table.tableName),
      operations: new DynamoDbOperationStore(table.client, table.tableName),
      clusterFor: () => cluster,
      clock: systemClock,
    });
    expect(report.blocked.sort()).toEqual(['due-1', 'due-2', 'due-3']);
    return table.requests.snapshot();
  } finally {
    await table.drop();
  }
}

describe('sweeper cost', () => {
  it('makes the same DynamoDB requests with 10,000 stored releases as with 100 when 3 are due', async () => {
    const small = await sweepRequests(100);
    const large = await sweepRequests(10_000);

    expect(large).toEqual(small);
    expect(small.Scan).toBeUndefined();
    expect(small.Query).toBe(3);
  }, 120_000);
});
