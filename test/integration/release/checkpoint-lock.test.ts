// A deploy records its intent (checkpoint) before it touches the Deployment. If the deploy stalled past
// its lease before that checkpoint and another operation took the expired lock (and read the record),
// the checkpoint must not land over the new holder: it writes nothing, the deploy stops before any
// cluster write, and the new holder keeps its lock. DynamoDB Local and the Kubernetes API server.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ReleaseDeps } from '../../../functions/release/context.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { ReleaseStore } from '../../../functions/release/ports.js';
import type { OperationLock } from '../../../functions/release/types.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';
let stack: ReleaseStack;

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  await deploy(stack.deps, { service: SVC, actor: 'U0ALICE', version: '1.0.1-3b7c9e1' });
});
afterEach(() => stack.close());

describe('a deploy that lost its lock before its checkpoint', () => {
  it('writes nothing to the record, changes no Deployment, leaves the new holder its lock and tells the history', async () => {
    const recordBefore = await stack.store.get(SVC);
    const historyBefore = await stack.store.history(SVC, 10);
    let newHolder: OperationLock | undefined;
    // The store as the deploy sees it: just before the checkpoint (its one save that keeps the lock),
    // its lease has run out and a weight change by Bob takes the expired lock, as acquireLock allows
    // once `expiresAt` has passed.
    const store: ReleaseStore = Object.create(stack.store);
    store.save = async (record, expectedVersion, options) => {
      if (options?.releaseLock === undefined && !newHolder) {
        const stalled = await stack.store.getLock(SVC);
        if (!stalled) throw new Error('the deploy holds no lock at its checkpoint');
        const since = stalled.expiresAt + 1;
        newHolder = {
          operationId: 'op-bob-weight',
          action: 'weight',
          summary: 'weight 10',
          requester: 'U0BOB',
          since,
          expiresAt: since + 120,
        };
        expect(await stack.store.acquireLock(SVC, newHolder, since)).toEqual({ acquired: true });
      }
      return stack.store.save(record, expectedVersion, options);
    };
    const deps: ReleaseDeps = { ...stack.deps, store };
    stack.kube.clearLog();

    await expect(
      deploy(deps, { service: SVC, actor: 'U0ALICE', version: '1.0.2-4c8d0f2' }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message:
        'address-service: this operation no longer holds the service lock (it ran past its time budget and another operation took over), so it recorded nothing more — check /gray status address-service',
    });

    expect(await stack.store.get(SVC)).toEqual(recordBefore);
    // The history still tells: the failed deploy, appended on its own (no record write, no lock).
    const [failed, ...earlier] = await stack.store.history(SVC, 10);
    expect(earlier).toEqual(historyBefore);
    expect(failed).toMatchObject({
      actor: 'U0ALICE',
      action: 'deploy',
      summary: 'deploy 1.0.2-4c8d0f2',
      result: 'failed',
      reason:
        'address-service: this operation no longer holds the service lock (it ran past its time budget and another operation took over), so it recorded nothing more — check /gray status address-service',
    });
    expect(await stack.store.getLock(SVC)).toEqual(newHolder);
    const writes = stack.kube.requests.filter((r) => !['get', 'list', 'watch'].includes(r.verb ?? ''));
    expect(writes).toEqual([]);
  });
});
