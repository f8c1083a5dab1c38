// The record read that overlaps the lock (readAhead in functions/release/context.ts): an operation
// reads the record while it takes the lock, and keeps that read only when its version is the one the
// previous holder noted on releasing the lock; otherwise it reads again under the lock.
import { describe, expect, it } from 'vitest';
import { runOperation } from '../../../functions/release/context.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { ReleaseRecord } from '../../../functions/release/types.js';
import { memoryHarness } from '../../support/memory/harness.js';

const base = { service: 'address-service', actor: 'U0ALICE' };

/** A deployed address-service whose store counts record reads. */
async function harness() {
  const h = memoryHarness();
  await deploy(h.deps, { ...base, version: '1.0.1-3b7c9e1' });
  const reads: number[] = [];
  const get = h.store.get.bind(h.store);
  h.store.get = async (service) => {
    const record = await get(service);
    reads.push(record?.version ?? -1);
    return record;
  };
  return { ...h, reads };
}

/** Runs an operation that only reports the record version it was handed. */
async function seenVersion(h: Awaited<ReturnType<typeof harness>>): Promise<number> {
  let seen = -1;
  await runOperation(h.deps, { ...base, action: 'test', summary: 'test' }, async (ctx) => {
    seen = ctx.draft.version;
    ctx.draft.phase = ctx.draft.phase === 'ready' ? 'shifting' : 'ready';
    return 'done';
  });
  return seen;
}

describe('reading the record while the lock is taken', () => {
  it('uses the one read made before the lock when the lock was released at that version', async () => {
    const h = await harness();
    const stored = (await h.store.get('address-service'))!.version;
    h.reads.length = 0;

    expect(await seenVersion(h)).toBe(stored);
    expect(h.reads).toEqual([stored]);
  });

  it('reads again under the lock when a commit landed between the early read and the lock', async () => {
    const h = await harness();
    const acquire = h.store.acquireLock.bind(h.store);
    let competitor: ReleaseRecord | undefined;
    h.store.acquireLock = async (service, lock, now) => {
      h.store.acquireLock = acquire;
      // Another operation takes the lock, commits a weight of 40 and releases, after our early read.
      const current = (await h.store.get(service))!;
      competitor = { ...current, version: current.version + 1, weights: { blue: 60, green: 40 } };
      await acquire(service, { ...lock, operationId: 'op-competitor' }, now);
      await h.store.save(competitor, current.version, { releaseLock: 'op-competitor' });
      return acquire(service, lock, now);
    };
    h.reads.length = 0;
    let seen: ReleaseRecord | undefined;

    await runOperation(h.deps, { ...base, action: 'test', summary: 'test' }, async (ctx) => {
      seen = structuredClone(ctx.draft);
      return 'done';
    });

    expect(seen?.version).toBe(competitor!.version);
    expect(seen?.weights).toEqual({ blue: 60, green: 40 });
    // early read (the old version), the competitor's own read, then the read again under the lock
    expect(h.reads).toEqual([competitor!.version - 1, competitor!.version - 1, competitor!.version]);
    expect((await h.store.get('address-service'))!.version).toBe(competitor!.version + 1);
  });

  it('reads again under the lock when it took over an expired lock (nothing noted on release)', async () => {
    const h = await harness();
    const since = Math.floor(h.clock.now() / 1000) - 600;
    await h.store.acquireLock(
      'address-service',
      {
        operationId: 'op-dead',
        action: 'weight',
        summary: 'weight 5',
        requester: 'U0BOB',
        since,
        expiresAt: since + 120,
      },
      since,
    );
    const stored = (await h.store.get('address-service'))!.version;
    h.reads.length = 0;

    expect(await seenVersion(h)).toBe(stored);
    expect(h.reads).toEqual([stored, stored]);
  });

  it('uses the early read when the operation held the lock already (the Slack hand-off took it)', async () => {
    const h = await harness();
    const since = Math.floor(h.clock.now() / 1000);
    const lock = { action: 'test', summary: 'test', requester: 'U0ALICE', since, expiresAt: since + 300 };
    await h.store.acquireLock('address-service', { ...lock, operationId: 'op-queued' }, since);
    const stored = (await h.store.get('address-service'))!.version;
    h.reads.length = 0;

    await runOperation(
      h.deps,
      { ...base, action: 'test', summary: 'test', operationId: 'op-queued' },
      async (ctx) => {
        expect(ctx.draft.version).toBe(stored);
        ctx.draft.phase = 'ready';
        return 'done';
      },
    );

    expect(h.reads).toEqual([stored]);
    expect(await h.store.getLock('address-service')).toBeUndefined();
  });

  it('reads again under the lock when the early read failed, and the operation goes on', async () => {
    const h = await harness();
    const get = h.store.get;
    let failed = 0;
    h.store.get = async (service) => {
      if (failed++ === 0) throw new Error('ECONNRESET');
      return get(service);
    };
    const stored = (await get('address-service'))!.version;
    h.reads.length = 0;

    expect(await seenVersion(h)).toBe(stored);
    expect(h.reads).toEqual([stored]);
    expect(failed).toBe(2);
  });

  it('an operation that changed nothing notes the unchanged version, so the next needs one read', async () => {
    const h = await harness();
    await expect(
      runOperation(h.deps, { ...base, action: 'test', summary: 'test' }, async () => {
        throw new Error('the cluster said no');
      }),
    ).rejects.toThrow('the cluster said no');
    const stored = (await h.store.get('address-service'))!.version;
    h.reads.length = 0;

    expect(await seenVersion(h)).toBe(stored);
    expect(h.reads).toEqual([stored]);
  });
});
