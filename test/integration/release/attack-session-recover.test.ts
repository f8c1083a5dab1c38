// The sweeper recovers a stale lock (recoverStaleLock) by writing the record back from the cluster and
// releasing the lock in one transaction. Between listing the lock as expired and that write, the late
// worker that held it may renew it and go on: its lock is live again, so the recovery must write nothing.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { deploy } from '../../../functions/release/deploy.js';
import { recoverStaleLock } from '../../../functions/release/recover.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';

let stack: ReleaseStack;

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  await deploy(stack.deps, { service: SVC, actor: 'U0ALICE', version: '1.0.1-3b7c9e1' });
});
afterEach(() => stack.close());

describe('recovering a stale lock', () => {
  it('writes nothing when the late holder renewed the lock after the sweeper listed it', async () => {
    const now = Math.floor(stack.deps.clock.now() / 1000);
    const late = {
      operationId: 'op-late',
      action: 'weight',
      summary: 'weight 10',
      requester: 'U0ALICE',
      since: now - 130,
      expiresAt: now - 10,
    };
    await stack.store.acquireLock(SVC, late, now - 130);
    const before = await stack.store.get(SVC);
    const audited = await stack.store.history(SVC, 1);
    // The lock as the sweeper lists it (listExpiredLocks reads a GSI, which DynamoDB updates a moment
    // after the write; the sweeper's own tests cover the listing).
    const listed = { ...late, service: SVC };
    expect(await stack.store.renewLock(SVC, 'op-late', now + 120)).toBe(true);
    const operations = new DynamoDbOperationStore(stack.table.client, stack.table.tableName);

    const notice = await recoverStaleLock({ ...stack.deps, operations }, listed);

    expect(notice).toBeUndefined();
    expect(await stack.store.get(SVC)).toEqual(before);
    expect(await stack.store.getLock(SVC)).toEqual({ ...late, expiresAt: now + 120 });
    expect(await stack.store.history(SVC, 1)).toEqual(audited);
  });
});
