import { describe, expect, it } from 'vitest';
import { readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { ObjectRef } from '../../../functions/release/ports.js';
import { promote } from '../../../functions/release/promote.js';
import { rollback } from '../../../functions/release/rollback.js';
import { shiftWeight } from '../../../functions/release/shift-weight.js';
import { teardown } from '../../../functions/release/teardown.js';
import { memoryHarness } from '../../support/memory/harness.js';

const VS: ObjectRef = { kind: 'VirtualService', namespace: 'happyride', name: 'address-service-deployment' };
const BLUE: ObjectRef = { kind: 'Deployment', namespace: 'happyride', name: 'address-service-blue' };
const base = { service: 'address-service', actor: 'U0ALICE' };

async function promoted(overrides: Record<string, unknown> = {}) {
  const h = memoryHarness(overrides);
  await deploy(h.deps, { ...base, version: '1.0.1-3b7c9e1' });
  await shiftWeight(h.deps, { ...base, weight: 25 });
  await promote(h.deps, base);
  return h;
}

describe('rollback', () => {
  it('during a release returns all traffic to the live slot', async () => {
    const { deps, cluster, store } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    await shiftWeight(deps, { ...base, weight: 25 });

    const result = await rollback(deps, base);

    expect(readWeights(deps.config.services[0]!, cluster.get(VS)!)).toEqual({ blue: 100, green: 0 });
    expect((await store.get('address-service'))!).toMatchObject({ live: 'blue', phase: 'rolled-back' });
    expect(result.message).toBe('rolled back address-service: blue (1.0.0-fe220c2) has 100%, green 0%');
  });

  it('after a promotion scales a scaled-down old slot back up before moving any traffic', async () => {
    const { deps, cluster, store } = await promoted({ strategy: 'blue-green', scaleDownIdle: true });
    await teardown(deps, { ...base, slot: 'blue' });
    expect((cluster.get(BLUE)!.spec as { replicas: number }).replicas).toBe(0);
    const before = cluster.writes.length;

    await rollback(deps, base);

    const writes = cluster.writes.slice(before).map((w) => `${w.verb} ${w.ref}`);
    expect(writes).toEqual([
      'patch Deployment/happyride/address-service-blue',
      'patch VirtualService/happyride/address-service-deployment',
    ]);
    expect((cluster.get(BLUE)!.spec as { replicas: number }).replicas).toBe(2);
    expect(readWeights(deps.config.services[0]!, cluster.get(VS)!)).toEqual({ blue: 100, green: 0 });
    expect((await store.get('address-service'))!).toMatchObject({ live: 'blue', phase: 'rolled-back' });
  });

  it('after a promotion cancels the pending teardown', async () => {
    const { deps, store } = await promoted();

    const result = await rollback(deps, base);

    expect((await store.get('address-service'))!.teardown).toBeUndefined();
    expect(result.message).toBe(
      'rolled back address-service: blue (1.0.0-fe220c2) has 100%, green 0%; the teardown planned for 10:30 UTC is cancelled',
    );
  });

  it('is refused with the reason when the old slot was deleted', async () => {
    const { deps } = await promoted();
    await teardown(deps, { ...base, slot: 'blue' });

    await expect(rollback(deps, base)).rejects.toThrow(
      'rollback: address-service blue is gone (torn down); redeploy the old version with /gray deploy address-service blue 1.0.0-fe220c2',
    );
  });
});

describe('teardown', () => {
  it('is refused while the slot carries traffic', async () => {
    const { deps, cluster } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    await shiftWeight(deps, { ...base, weight: 10 });

    await expect(teardown(deps, { ...base, slot: 'green' })).rejects.toThrow(
      'teardown: address-service green still carries 10% of traffic; move it to 0 first',
    );
    expect(cluster.get({ ...BLUE, name: 'address-service-green' })?.spec).toMatchObject({ replicas: 2 });
  });

  it('deletes the old slot on red/black and records it', async () => {
    const { deps, cluster, store } = await promoted();

    const result = await teardown(deps, { ...base, slot: 'blue' });

    expect(cluster.get(BLUE)).toBeUndefined();
    const record = (await store.get('address-service'))!;
    expect(record).toMatchObject({ phase: 'stable', slots: { blue: { status: 'deleted' } } });
    expect(record.teardown).toBeUndefined();
    expect(result.message).toBe(
      'teardown address-service blue: deleted Deployment address-service-blue (1.0.0-fe220c2)',
    );
  });

  it('scales the old slot to 0 on blue/green', async () => {
    const { deps, cluster } = await promoted({ strategy: 'blue-green' });

    await teardown(deps, { ...base, slot: 'blue' });

    expect((cluster.get(BLUE)!.spec as { replicas: number }).replicas).toBe(0);
  });
});

describe('the service lock', () => {
  it('refuses a second operation while one holds the lock, naming it', async () => {
    const { deps, store } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    const since = Math.floor(deps.clock.now() / 1000);
    const lock = {
      operationId: 'op-1',
      action: 'weight',
      summary: 'weight 25',
      requester: 'U0BOB',
      since,
      expiresAt: since + 120,
    };
    expect(await store.acquireLock('address-service', lock, since)).toEqual({
      acquired: true,
      releasedAtVersion: (await store.get('address-service'))!.version,
    });

    await expect(shiftWeight(deps, { ...base, weight: 5 })).rejects.toThrow(
      'address-service is busy: weight 25 by U0BOB since 10:00 UTC; wait for it to finish, then retry',
    );
    expect(await store.getLock('address-service')).toMatchObject({ operationId: 'op-1' });
  });

  it('takes over a lock whose time budget ran out', async () => {
    const { deps, store, clock } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    const since = Math.floor(clock.now() / 1000);
    const dead = {
      operationId: 'dead',
      action: 'weight',
      summary: 'weight 25',
      requester: 'U0BOB',
      since,
      expiresAt: since + 120,
    };
    await store.acquireLock('address-service', dead, since);
    clock.advance(121_000);

    await shiftWeight(deps, { ...base, weight: 5 });

    expect(await store.getLock('address-service')).toBeUndefined();
    expect((await store.get('address-service'))!.weights).toEqual({ blue: 95, green: 5 });
  });
});
