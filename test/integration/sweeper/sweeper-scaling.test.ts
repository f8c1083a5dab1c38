import { describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../../functions/release/ports.js';
import { sweep } from '../../../functions/release/sweep.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../../../functions/store/dynamodb-release-store.js';
import { createTestTable } from '../../support/dynamodb-table.js';
import { seedConfig } from '../../support/memory/harness.js';
import { MemoryCluster } from '../../support/memory/memory-cluster.js';
import { putItems, storedReleaseItem } from '../../support/stored-releases.js';

/** Stores `unrelated` settled releases plus 3 due teardowns, runs one sweep, returns its DynamoDB requests by operation. */
async function sweepRequests(unrelated: number): Promise<Record<string, number>> {
  const table = await createTestTable(inject('dynamoEndpoint'), 'gray-scale');
  try {
    const now = Math.floor(Date.now() / 1000);
    const items = [
      ...Array.from({ length: unrelated }, (_, i) => storedReleaseItem(`svc-${i}`)),
      ...[1, 2, 3].map((i) => storedReleaseItem(`due-${i}`, now - 60)),
    ];
    await putItems(table, items);
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
