import { describe, expect, it } from 'vitest';
import { readHeaderRoute, readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import { clearHeaderRoute, setHeaderRoute } from '../../../functions/release/header-route.js';
import type { ObjectRef } from '../../../functions/release/ports.js';
import { promote } from '../../../functions/release/promote.js';
import { shiftWeight } from '../../../functions/release/shift-weight.js';
import { getStatus } from '../../../functions/release/status.js';
import { memoryHarness } from '../../support/memory/harness.js';

const VS: ObjectRef = { kind: 'VirtualService', namespace: 'happyride', name: 'address-service-deployment' };
const GREEN: ObjectRef = { kind: 'Deployment', namespace: 'happyride', name: 'address-service-green' };
const base = { service: 'address-service', actor: 'U0ALICE' };

describe('deploy', () => {
  it('rolls the new version out to the idle slot (green) and leaves traffic where it was', async () => {
    const { deps, cluster, store, progress } = memoryHarness();

    const result = await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });

    const green = cluster.get(GREEN)!;
    expect(green.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'address-service',
      'app.kubernetes.io/instance': 'address-service-green',
      'app.vividcode.io/deployment-type': 'green',
      'app.kubernetes.io/version': '1.0.1-3b7c9e1',
      'app.kubernetes.io/managed-by': 'gray',
    });
    expect(readWeights(deps.config.services[0]!, cluster.get(VS)!)).toEqual({ blue: 100, green: 0 });
    const record = (await store.get('address-service'))!;
    expect(record.phase).toBe('ready');
    expect(record.slots.green).toMatchObject({ version: '1.0.1-3b7c9e1', status: 'ready', replicas: 2 });
    expect(await store.getLock('address-service')).toBeUndefined();
    expect(result.message).toBe(
      'deployed address-service green 1.0.1-3b7c9e1: 2/2 ready, 0% of traffic; next: /gray weight address-service 1 or /gray route address-service header x-latest-version=true',
    );
    expect(progress).toEqual(['rolling out green: 2/2 ready']);
  });

  it('refuses the live slot and changes nothing in the cluster', async () => {
    const { deps, cluster } = memoryHarness();

    await expect(deploy(deps, { ...base, slot: 'blue', version: '1.0.1-3b7c9e1' })).rejects.toThrow(
      'deploy: address-service blue carries 100% of traffic; deploy to the idle slot (green)',
    );
    expect(cluster.writes).toEqual([]);
  });

  it('marks a rollout that never becomes ready as failed and leaves traffic untouched', async () => {
    const { deps, cluster, store } = memoryHarness();
    cluster.brokenImages.add('9.9.9-badbad1');

    await expect(deploy(deps, { ...base, version: '9.9.9-badbad1' })).rejects.toMatchObject({
      code: 'rollout_failed',
      reason: 'ProgressDeadlineExceeded',
    });
    const record = (await store.get('address-service'))!;
    expect(record.phase).toBe('failed');
    expect(record.slots.green).toMatchObject({ status: 'failed', reason: 'ProgressDeadlineExceeded' });
    expect(readWeights(deps.config.services[0]!, cluster.get(VS)!)).toEqual({ blue: 100, green: 0 });
    expect(cluster.writes.filter((w) => w.ref.startsWith('VirtualService'))).toEqual([]);
    expect(store.audit.at(-1)).toMatchObject({ action: 'deploy', result: 'failed' });
  });
});

describe('shiftWeight', () => {
  it('gives the new slot 25 and the live slot 75, both explicit', async () => {
    const { deps, cluster, store } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });

    await shiftWeight(deps, { ...base, weight: 25 });

    expect(readWeights(deps.config.services[0]!, cluster.get(VS)!)).toEqual({ blue: 75, green: 25 });
    expect((await store.get('address-service'))!).toMatchObject({
      weights: { blue: 75, green: 25 },
      phase: 'shifting',
    });
  });

  it.each(['101', '-5', '33.3', 'abc'])('refuses %s with nothing changed', async (weight) => {
    const { deps, cluster, store } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    const saves = store.saves;
    const writes = cluster.writes.length;

    await expect(shiftWeight(deps, { ...base, weight })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(store.saves).toBe(saves);
    expect(cluster.writes.length).toBe(writes);
  });

  it('asks for approval on a step above the max step and changes nothing', async () => {
    const { deps, cluster, store } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    const writes = cluster.writes.length;

    const result = await shiftWeight(deps, { ...base, weight: 50 });

    expect(result).toMatchObject({
      kind: 'approval-required',
      before: { blue: 100, green: 0 },
      after: { blue: 50, green: 50 },
    });
    expect(cluster.writes.length).toBe(writes);
    expect((await store.get('address-service'))!.weights).toEqual({ blue: 100, green: 0 });
  });

  it('refuses to send traffic to a slot with no available replicas', async () => {
    const { deps, cluster } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    const green = cluster.get(GREEN)!;
    cluster.objects.get('Deployment/happyride/address-service-green')!.status = {
      ...(green.status as object),
      availableReplicas: 0,
    };

    await expect(shiftWeight(deps, { ...base, weight: 10 })).rejects.toThrow(
      'weight: address-service green is not ready (0/2 available); wait or /gray status address-service',
    );
    expect(readWeights(deps.config.services[0]!, cluster.get(VS)!)).toEqual({ blue: 100, green: 0 });
  });
});

describe('setHeaderRoute', () => {
  it('applied twice leaves one route before the default route', async () => {
    const { deps, cluster } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });

    await setHeaderRoute(deps, { ...base, header: 'X-Latest-Version', value: 'true' });
    await setHeaderRoute(deps, { ...base, header: 'x-latest-version', value: 'true' });

    const names = ((cluster.get(VS)!.spec as { http: { name: string }[] }).http ?? []).map((r) => r.name);
    expect(names).toEqual(['address-service-latest', 'address-service-http']);
    expect(readHeaderRoute(deps.config.services[0]!, cluster.get(VS)!)).toEqual({
      header: 'x-latest-version',
      values: ['true'],
      slot: 'green',
    });
    await clearHeaderRoute(deps, base);
    expect(((cluster.get(VS)!.spec as { http: { name: string }[] }).http ?? []).map((r) => r.name)).toEqual([
      'address-service-http',
    ]);
  });
});

describe('promote', () => {
  it('moves 100% to green, removes the header route, swaps roles and schedules blue teardown after the bake time', async () => {
    const { deps, cluster, store, clock } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    await shiftWeight(deps, { ...base, weight: 25 });
    await setHeaderRoute(deps, { ...base, header: 'x-latest-version', value: 'true' });
    const now = Math.floor(clock.now() / 1000);

    await promote(deps, base);

    const vs = cluster.get(VS)!;
    expect(readWeights(deps.config.services[0]!, vs)).toEqual({ blue: 0, green: 100 });
    expect(readHeaderRoute(deps.config.services[0]!, vs)).toBeUndefined();
    const record = (await store.get('address-service'))!;
    expect(record).toMatchObject({ live: 'green', phase: 'promoted' });
    expect(record.teardown).toEqual({
      slot: 'blue',
      dueAt: now + 1800,
      action: 'delete',
      version: '1.0.0-fe220c2',
    });
  });
});

describe('getStatus', () => {
  it('reports drift when the VirtualService was edited by hand', async () => {
    const { deps, cluster } = memoryHarness();
    await deploy(deps, { ...base, version: '1.0.1-3b7c9e1' });
    await shiftWeight(deps, { ...base, weight: 5 });
    const vs = cluster.get(VS)!;
    const route = (vs.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route;
    route[0]!.weight = 90;
    route[1]!.weight = 10;
    cluster.put(vs);

    const status = await getStatus(deps, { service: 'address-service' });

    expect(status.drift).toEqual(['weights: recorded blue 95/green 5, live blue 90/green 10']);
  });
});
