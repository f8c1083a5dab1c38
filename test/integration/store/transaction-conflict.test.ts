// Real DynamoDB cancels a write that meets a transaction in progress on the same item (two operations
// racing for one service's lock: enqueue, start, commit); DynamoDB Local never does. Through a
// loopback proxy that answers chosen requests with those errors in DynamoDB's wire format, the stores
// must retry a pure conflict (nothing was written) and never a condition answer.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { OperationRecord } from '../../../functions/release/operations.js';
import type { OperationLock } from '../../../functions/release/types.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../../../functions/store/dynamodb-release-store.js';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from '../../support/dynamodb-fault-proxy.js';
import { dynamoDbLocalClientConfig } from '../../support/dynamodb-local.js';
import { createTestTable, type TestTable } from '../../support/dynamodb-table.js';

const NOW = 1_796_000_000;
const SVC = 'address-service';

let table: TestTable;
let proxy: DynamoDbFaultProxy;
let client: DynamoDBClient;
let store: DynamoDbReleaseStore;
let operations: DynamoDbOperationStore;

const lock = (operationId: string): OperationLock => ({
  operationId,
  action: 'weight',
  summary: 'weight 25',
  requester: 'U0ALICE',
  since: NOW,
  expiresAt: NOW + 120,
});
const operation = (operationId: string): OperationRecord => ({
  operationId,
  service: SVC,
  command: { verb: 'weight', service: SVC, weight: 25 },
  summary: 'weight 25',
  actor: 'U0ALICE',
  channel: 'C0RELEASES',
  state: 'queued',
  createdAt: NOW,
  updatedAt: NOW,
  expiresAt: NOW + 86_400,
});

beforeAll(async () => {
  table = await createTestTable(inject('dynamoEndpoint'));
  proxy = await startDynamoDbFaultProxy(inject('dynamoEndpoint'));
});

afterAll(async () => {
  await proxy.close();
  await table.drop();
});

beforeEach(async () => {
  await table.drop();
  table = await createTestTable(inject('dynamoEndpoint'));
  client = new DynamoDBClient({ ...dynamoDbLocalClientConfig, endpoint: proxy.endpoint });
  store = new DynamoDbReleaseStore(client, table.tableName);
  operations = new DynamoDbOperationStore(client, table.tableName);
});

afterEach(() => {
  client.destroy();
});

/** The proxy's log from index `from` on. */
const seenSince = (from: number) => proxy.seen().slice(from);

describe('a write that meets a transaction in progress', () => {
  it('enqueues once the conflict clears: the canceled transaction is sent again', async () => {
    proxy.failNext('TransactWriteItems', 1, 'canceled-conflict');
    const from = proxy.seen().length;

    const result = await operations.enqueue(operation('op-1'), lock('op-1'), 'command:T1', NOW);

    expect(result).toEqual({ kind: 'queued' });
    expect(seenSince(from)).toEqual(['TransactWriteItems!', 'TransactWriteItems']);
    expect((await operations.getOperation('op-1', NOW))?.state).toBe('queued');
    expect(await store.getLock(SVC)).toEqual(lock('op-1'));
    // The delivery key went in with it: the same command again is a duplicate of op-1.
    expect(await operations.enqueue(operation('op-1b'), lock('op-1b'), 'command:T1', NOW)).toEqual({
      kind: 'duplicate',
      operationId: 'op-1',
    });
  });

  it('takes the lock once the conflict clears: a single-item write is sent again', async () => {
    proxy.failNext('PutItem', 1, 'conflict');
    const from = proxy.seen().length;

    const attempt = await store.acquireLock(SVC, lock('op-2'), NOW);

    expect(attempt).toEqual({ acquired: true });
    expect(seenSince(from)).toEqual(['PutItem!', 'PutItem']);
  });

  it("starts a queued operation once the conflict clears (the worker's start)", async () => {
    await operations.enqueue(operation('op-3'), lock('op-3'), undefined, NOW);
    proxy.failNext('TransactWriteItems', 1, 'canceled-conflict');
    const from = proxy.seen().length;

    const found = await operations.start(SVC, lock('op-3'), NOW + 1);

    expect(found).toBe('started');
    expect(seenSince(from)).toEqual(['TransactWriteItems!', 'TransactWriteItems']);
    expect((await operations.getOperation('op-3', NOW + 1))?.state).toBe('running');
  });

  it('does not retry a cancellation that carries a failed condition: that is an answer', async () => {
    await store.save(
      {
        service: SVC,
        version: 1,
        live: 'blue',
        slots: {},
        weights: { blue: 100, green: 0 },
        phase: 'stable',
        updatedAt: NOW,
        updatedBy: 'U0ALICE',
      },
      undefined,
    );
    proxy.failNext('TransactWriteItems', 1, 'canceled-condition');
    const from = proxy.seen().length;

    const saved = store.save(
      {
        service: SVC,
        version: 2,
        live: 'blue',
        slots: {},
        weights: { blue: 75, green: 25 },
        phase: 'shifting',
        updatedAt: NOW,
        updatedBy: 'U0ALICE',
      },
      1,
      {
        audit: {
          service: SVC,
          at: NOW * 1000,
          id: 'e-1',
          actor: 'U0ALICE',
          action: 'weight',
          summary: 'weight 25',
          result: 'succeeded',
        },
      },
    );

    await expect(saved).rejects.toMatchObject({ name: 'ReleaseConflictError' });
    expect(seenSince(from)).toEqual(['TransactWriteItems!']);
    expect((await store.get(SVC))?.version).toBe(1);
  });

  it("gives up after the SDK's attempts (4 for DynamoDB by default) and reports the conflict", async () => {
    const attempts = await client.config.maxAttempts();
    proxy.failNext('TransactWriteItems', attempts, 'canceled-conflict');
    const from = proxy.seen().length;

    const enqueued = operations.enqueue(operation('op-4'), lock('op-4'), undefined, NOW);

    await expect(enqueued).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      $metadata: { attempts },
    });
    expect(attempts).toBe(4);
    expect(seenSince(from)).toEqual(Array(attempts).fill('TransactWriteItems!'));
    expect(await operations.getOperation('op-4', NOW)).toBeUndefined();
  });
});
