import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent, OperationLock, ReleaseRecord } from '../../../functions/release/types.js';
import { DynamoDbReleaseStore } from '../../../functions/store/dynamodb-release-store.js';
import { createTestTable, type TestTable } from '../../support/dynamodb-table.js';

let table: TestTable;
let store: DynamoDbReleaseStore;

const record = (service: string, version: number, extra: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  service,
  version,
  live: 'blue',
  slots: {
    blue: {
      version: '1.0.0-fe220c2',
      image: 'happyride/happyride-address-service:1.0.0-fe220c2',
      replicas: 2,
      deployedAt: 1_796_000_000,
      status: 'ready',
    },
  },
  weights: { blue: 100, green: 0 },
  phase: 'stable',
  updatedAt: 1_796_000_000,
  updatedBy: 'U0ALICE',
  ...extra,
});
const event = (service: string, at: number, summary: string): AuditEvent => ({
  service,
  at,
  id: `e-${at}`,
  actor: 'U0ALICE',
  action: 'weight',
  summary,
  result: 'succeeded',
});
const lock = (operationId: string, since: number): OperationLock => ({
  operationId,
  action: 'weight',
  summary: 'weight 25',
  requester: 'U0ALICE',
  since,
  expiresAt: since + 120,
});

beforeAll(async () => {
  table = await createTestTable(inject('dynamoEndpoint'));
  store = new DynamoDbReleaseStore(table.client, table.tableName);
});
afterAll(() => table.drop());

describe('DynamoDbReleaseStore', () => {
  it('creates a record only once and then writes only on the expected version', async () => {
    await store.save(record('svc-a', 1), undefined);

    await expect(store.save(record('svc-a', 1), undefined)).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.save(record('svc-a', 3), 2)).rejects.toMatchObject({ code: 'conflict' });
    await store.save(record('svc-a', 2, { weights: { blue: 75, green: 25 } }), 1);
    expect(await store.get('svc-a')).toMatchObject({ version: 2, weights: { blue: 75, green: 25 } });
  });

  it('writes the record, the audit event and the lock release in one transaction, or none of them', async () => {
    await store.save(record('svc-b', 1), undefined);
    expect(await store.acquireLock('svc-b', lock('op-1', 1000), 1000)).toEqual({ acquired: true });
    table.requests.reset();

    await expect(
      store.save(record('svc-b', 2), 1, { audit: event('svc-b', 1, 'weight 25'), releaseLock: 'op-other' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.get('svc-b')).toMatchObject({ version: 1 });
    expect(await store.history('svc-b', 10)).toEqual([]);

    await store.save(record('svc-b', 2), 1, { audit: event('svc-b', 2, 'weight 25'), releaseLock: 'op-1' });
    expect(await store.get('svc-b')).toMatchObject({ version: 2 });
    expect((await store.history('svc-b', 10)).map((e) => e.summary)).toEqual(['weight 25']);
    expect(await store.getLock('svc-b')).toBeUndefined();
    expect(table.requests.snapshot()).toEqual({ TransactWriteItems: 2, GetItem: 3, Query: 2 });
  });

  it('saves a checkpoint (heldBy) only while the lock is still that operation’s, and keeps the lock', async () => {
    await store.save(record('svc-h', 1), undefined);
    expect(await store.acquireLock('svc-h', lock('op-1', 1000), 1000)).toEqual({ acquired: true });
    // op-1 ran past its lease: op-2 took the expired lock and read the record at version 1.
    expect(await store.acquireLock('svc-h', lock('op-2', 1200), 1200)).toEqual({ acquired: true });

    await expect(
      store.save(record('svc-h', 2, { phase: 'deploying' }), 1, { heldBy: 'op-1' }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message:
        'svc-h: this operation no longer holds the service lock (it ran past its time budget and another operation took over), so it recorded nothing more — check /gray status svc-h',
    });
    expect(await store.get('svc-h')).toMatchObject({ version: 1, phase: 'stable' });

    table.requests.reset();
    await store.save(record('svc-h', 2, { phase: 'deploying' }), 1, { heldBy: 'op-2' });
    expect(table.requests.snapshot()).toEqual({ TransactWriteItems: 1 });
    expect(await store.get('svc-h')).toMatchObject({ version: 2, phase: 'deploying' });
    expect(await store.getLock('svc-h')).toEqual(lock('op-2', 1200));
    // A version conflict under a held lock is still the version's message.
    await expect(store.save(record('svc-h', 2), 1, { heldBy: 'op-2' })).rejects.toMatchObject({
      message: expect.stringContaining(
        'the release record changed under this operation (expected version 1)',
      ),
    });
  });

  it('refuses a held lock and returns the holder, but takes an expired one or its own', async () => {
    expect(await store.acquireLock('svc-c', lock('op-1', 1000), 1000)).toEqual({ acquired: true });

    expect(await store.acquireLock('svc-c', lock('op-2', 1010), 1010)).toEqual({
      acquired: false,
      holder: lock('op-1', 1000),
    });
    expect(await store.acquireLock('svc-c', lock('op-1', 1000), 1010)).toEqual({
      acquired: true,
      alreadyHeld: true,
    });
    expect(await store.acquireLock('svc-c', lock('op-3', 1121), 1121)).toEqual({ acquired: true });
    await store.releaseLock('svc-c', 'op-1');
    expect(await store.getLock('svc-c')).toEqual(lock('op-3', 1121));
    await store.releaseLock('svc-c', 'op-3');
    expect(await store.getLock('svc-c')).toBeUndefined();
  });

  it('tells the next taker the record version a commit released the lock at, and only then', async () => {
    await store.save(record('svc-r', 1), undefined);
    expect(await store.acquireLock('svc-r', lock('op-1', 1000), 1000)).toEqual({ acquired: true });
    await store.save(record('svc-r', 2), 1, { audit: event('svc-r', 1, 'weight 25'), releaseLock: 'op-1' });

    // The released lock item is no lock: not read as one, not renewable, not listed as expired.
    expect(await store.getLock('svc-r')).toBeUndefined();
    expect(await store.renewLock('svc-r', 'op-1', 2000)).toBe(false);
    expect((await store.listExpiredLocks(5000)).map((l) => l.service)).not.toContain('svc-r');
    expect(await store.acquireLock('svc-r', lock('op-2', 1010), 1010)).toEqual({
      acquired: true,
      releasedAtVersion: 2,
    });
    // Held again: the holder comes back as before.
    expect(await store.acquireLock('svc-r', lock('op-3', 1011), 1011)).toEqual({
      acquired: false,
      holder: lock('op-2', 1010),
    });
    // A release that names the version notes it; one that does not, or a stranger's, notes nothing.
    await store.releaseLock('svc-r', 'op-other', 7);
    expect(await store.getLock('svc-r')).toEqual(lock('op-2', 1010));
    await store.releaseLock('svc-r', 'op-2', 2);
    expect(await store.acquireLock('svc-r', lock('op-4', 1020), 1020)).toEqual({
      acquired: true,
      releasedAtVersion: 2,
    });
    await store.releaseLock('svc-r', 'op-4');
    expect(await store.acquireLock('svc-r', lock('op-5', 1030), 1030)).toEqual({ acquired: true });
    // Taken over after expiry: nothing is known of the record. Re-taken by its holder: nobody else wrote.
    expect(await store.acquireLock('svc-r', lock('op-6', 1151), 1151)).toEqual({ acquired: true });
    expect(await store.acquireLock('svc-r', lock('op-6', 1151), 1152)).toEqual({
      acquired: true,
      alreadyHeld: true,
    });
  });

  it('lets exactly one of ten concurrent lock attempts win', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.acquireLock('svc-d', lock(`op-${i}`, 2000), 2000)),
    );

    expect(attempts.filter((a) => a.acquired)).toHaveLength(1);
  });

  it('returns history newest first, limited', async () => {
    for (const at of [5, 1, 3]) await store.appendAudit(event('svc-e', at, `weight ${at}`));

    expect((await store.history('svc-e', 2)).map((e) => e.summary)).toEqual(['weight 5', 'weight 3']);
  });

  it('indexes a pending teardown in the sparse due-time index and drops it when the teardown is gone', async () => {
    await store.save(
      record('svc-f', 1, {
        teardown: { slot: 'blue', dueAt: 1_796_001_800, action: 'delete', version: '1.0.0-fe220c2' },
      }),
      undefined,
    );
    const item = async () =>
      (
        await table.doc.send(
          new (
            await import('@aws-sdk/lib-dynamodb')
          ).GetCommand({ TableName: table.tableName, Key: { pk: 'SERVICE#svc-f', sk: 'RELEASE' } }),
        )
      ).Item;

    expect(await item()).toMatchObject({ gsi1pk: 'TEARDOWN', gsi1sk: '001796001800#svc-f' });
    await store.save(record('svc-f', 2), 1);
    expect((await item())?.gsi1pk).toBeUndefined();
  });
});
