// Many release items written straight into a test table, for sweeps over a large table: the item shape is
// the one DynamoDbReleaseStore writes, so the store and the sweeper read them as their own.
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TestTable } from './dynamodb-table.js';

/** A stored release item of a settled green-live `service`; `dueAt` (epoch seconds) adds a pending teardown of blue. */
export function storedReleaseItem(service: string, dueAt?: number): Record<string, unknown> {
  return {
    pk: `SERVICE#${service}`,
    sk: 'RELEASE',
    version: 1,
    record: {
      service,
      version: 1,
      live: 'green',
      slots: { green: { version: '1.0.1-3b7c9e1', status: 'ready' } },
      weights: { blue: 0, green: 100 },
      phase: dueAt ? 'promoted' : 'stable',
      updatedAt: 0,
      updatedBy: 'seed',
      ...(dueAt ? { teardown: { slot: 'blue', dueAt, action: 'delete', version: '1.0.0-fe220c2' } } : {}),
    },
    ...(dueAt ? { gsi1pk: 'TEARDOWN', gsi1sk: `${String(dueAt).padStart(12, '0')}#${service}` } : {}),
  };
}

/** Writes `items` into `table` with BatchWriteItem, 25 a request and 16 requests at a time; throws the SDK's error. */
export async function putItems(table: TestTable, items: Record<string, unknown>[]): Promise<void> {
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
}
