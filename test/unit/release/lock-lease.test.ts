// The lock as a lease (functions/release/context.ts): a cluster write is fenced by renewing the lock
// only once half of the lease taken or last renewed is gone; before that, the lock cannot have been
// taken over (locks are only taken once expired), so no DynamoDB round trip is needed.
import { describe, expect, it } from 'vitest';
import { runOperation } from '../../../functions/release/context.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { ObjectRef } from '../../../functions/release/ports.js';
import { memoryHarness } from '../../support/memory/harness.js';

const VS: ObjectRef = { kind: 'VirtualService', namespace: 'happyride', name: 'address-service-deployment' };
const base = { service: 'address-service', actor: 'U0ALICE' };
/** A write of the VirtualService that changes one annotation (a real cluster write). */
const touch = (value: string) => () => [
  { op: 'add' as const, path: '/metadata/annotations', value: { touched: value } },
];

async function harness() {
  const h = memoryHarness();
  await deploy(h.deps, { ...base, version: '1.0.1-3b7c9e1' });
  const renewals: number[] = [];
  const renewLock = h.store.renewLock.bind(h.store);
  h.store.renewLock = async (service, operationId, expiresAt) => {
    renewals.push(expiresAt);
    return renewLock(service, operationId, expiresAt);
  };
  return { ...h, renewals };
}

/** The running operation stalls past its 120 s lease, and U0BOB's weight 5 takes the expired lock. */
async function stallAndLoseLock(h: Awaited<ReturnType<typeof harness>>) {
  h.clock.advance(121_000);
  const now = Math.floor(h.clock.now() / 1000);
  const next = {
    operationId: 'op-next',
    action: 'weight',
    summary: 'weight 5',
    requester: 'U0BOB',
    since: now,
    expiresAt: now + 120,
  };
  expect(await h.store.acquireLock('address-service', next, now)).toEqual({ acquired: true });
}

describe('lock lease', () => {
  it('writes without a renewal while more than half of the 120 s lease is left', async () => {
    const h = await harness();

    await runOperation(
      h.deps,
      { ...base, action: 'test', summary: 'test', budgetSeconds: 120 },
      async (ctx) => {
        h.clock.advance(59_000);
        await ctx.cluster.edit(VS, touch('a'));
        return 'done';
      },
    );

    expect(h.renewals).toEqual([]);
  });

  it('renews the lock before a write once half the lease is gone, to now + the budget', async () => {
    const h = await harness();
    const startedAt = Math.floor(h.clock.now() / 1000);

    await runOperation(
      h.deps,
      { ...base, action: 'test', summary: 'test', budgetSeconds: 120 },
      async (ctx) => {
        h.clock.advance(60_000);
        await ctx.cluster.edit(VS, touch('a'));
        h.clock.advance(30_000);
        await ctx.cluster.edit(VS, touch('b'));
        return 'done';
      },
    );

    // The second write came 30 s after the renewal: still inside the renewed lease's first half.
    expect(h.renewals).toEqual([startedAt + 60 + 120]);
  });

  it('stops before writing when the lock passed to another operation after the lease ran out', async () => {
    const h = await harness();
    const writes = () => h.cluster.writes.length;
    let before = 0;

    const run = runOperation(
      h.deps,
      { ...base, action: 'test', summary: 'slow', budgetSeconds: 120 },
      async (ctx) => {
        await stallAndLoseLock(h);
        before = writes();
        await ctx.cluster.edit(VS, touch('late'));
        return 'done';
      },
    );

    await expect(run).rejects.toThrow(
      "slow: address-service's lock passed to weight 5 by U0BOB after this one ran past its time budget; it stopped without further changes",
    );
    expect(writes()).toBe(before);
  });

  it('a commit that finds the lock taken over writes no record but still tells the history', async () => {
    const h = await harness();
    const recordBefore = await h.store.get('address-service');

    const run = runOperation(
      h.deps,
      { ...base, action: 'test', summary: 'slow', budgetSeconds: 120 },
      async (ctx) => {
        await ctx.cluster.edit(VS, touch('applied'));
        // After its last write the operation stalls past its lease.
        await stallAndLoseLock(h);
        ctx.draft.phase = 'ready';
        return 'slow: applied';
      },
    );

    await expect(run).rejects.toMatchObject({
      code: 'conflict',
      message:
        'slow: applied — this change is in the cluster, but gray could not record it (the record or the lock changed under it: address-service: the release record changed under this operation); check /gray status address-service before changing it again',
    });
    expect(await h.store.get('address-service')).toEqual(recordBefore);
    expect((await h.store.getLock('address-service'))?.operationId).toBe('op-next');
    expect((await h.store.history('address-service', 1))[0]).toMatchObject({
      action: 'test',
      summary: 'slow',
      result: 'failed',
      reason:
        'slow: applied; but the record was not written: address-service: the release record changed under this operation',
    });
  });

  it('a commit that fails after the sweeper recovered the operation adds no second event', async () => {
    const h = await harness();
    let operationId = '';

    const run = runOperation(
      h.deps,
      { ...base, action: 'test', summary: 'slow', budgetSeconds: 120 },
      async (ctx) => {
        operationId = ctx.operationId;
        await ctx.cluster.edit(VS, touch('applied'));
        await stallAndLoseLock(h);
        // The sweeper recovered it meanwhile and told the history (recoverStaleLock's event).
        await h.store.appendAudit({
          service: 'address-service',
          at: h.clock.now(),
          id: `recover-${ctx.operationId}`,
          actor: 'gray-sweeper',
          action: 'recover',
          summary: 'recover slow',
          result: 'succeeded',
          operationId: ctx.operationId,
        });
        ctx.draft.phase = 'ready';
        return 'slow: applied';
      },
    );

    // Already told by the sweeper: the commit's own error, not "this change is in the cluster".
    await expect(run).rejects.toMatchObject({
      code: 'conflict',
      message: 'address-service: the release record changed under this operation',
    });
    const told = (await h.store.history('address-service', 10)).filter((e) => e.operationId === operationId);
    expect(told.map((e) => `${e.actor} ${e.action} ${e.result}`)).toEqual(['gray-sweeper recover succeeded']);
  });

  it('the in-memory store refuses a checkpoint without the lock as DynamoDB does, with its message', async () => {
    const h = await harness();
    const record = (await h.store.get('address-service'))!;

    await expect(
      h.store.save({ ...record, version: record.version + 1 }, record.version, { heldBy: 'op-gone' }),
    ).rejects.toThrow(
      'address-service: this operation no longer holds the service lock (it ran past its time budget and another operation took over), so it recorded nothing more — check /gray status address-service',
    );
    expect(await h.store.get('address-service')).toEqual(record);
  });
});
