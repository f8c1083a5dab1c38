// Hostile review of the release engine's ordering safety and state machine, on in-memory ports.
// Tests marked `it.fails` assert the CORRECT behaviour and document a bug: they turn red once it is fixed
// (then drop `.fails`). The plain `it` tests pin behaviour that is already right.
import { describe, expect, it } from 'vitest';
import { buildDeployment } from '../../../functions/istio/deployment.js';
import { readHeaderRoute, readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import { reconcile } from '../../../functions/release/drift.js';
import { setHeaderRoute } from '../../../functions/release/header-route.js';
import type { KubeObject, ObjectRef } from '../../../functions/release/ports.js';
import { promote } from '../../../functions/release/promote.js';
import { rollback } from '../../../functions/release/rollback.js';
import { shiftWeight } from '../../../functions/release/shift-weight.js';
import { getStatus } from '../../../functions/release/status.js';
import { teardown } from '../../../functions/release/teardown.js';
import { memoryHarness } from '../../support/memory/harness.js';

const VS: ObjectRef = { kind: 'VirtualService', namespace: 'happyride', name: 'address-service-deployment' };
const DR: ObjectRef = { kind: 'DestinationRule', namespace: 'happyride', name: 'address-service' };
const BLUE: ObjectRef = { kind: 'Deployment', namespace: 'happyride', name: 'address-service-blue' };
const GREEN: ObjectRef = { kind: 'Deployment', namespace: 'happyride', name: 'address-service-green' };
const base = { service: 'address-service', actor: 'U0ALICE' };
const V1 = '1.0.1-3b7c9e1';

type Harness = ReturnType<typeof memoryHarness>;
const weightsOf = (h: Harness) => readWeights(h.deps.config.services[0]!, h.cluster.get(VS)!);
const key = (ref: ObjectRef) => `${ref.kind}/${ref.namespace}/${ref.name}`;
/** A hand edit: removes the object behind gray's back (no write logged). */
const handDelete = (h: Harness, ref: ObjectRef) => h.cluster.objects.delete(key(ref));
/** Replicas a slot's Deployment asks for: 2 while it is kept, 0 once scaled down, undefined once deleted. */
const replicasOf = (h: Harness, ref: ObjectRef) =>
  (h.cluster.get(ref)?.spec as { replicas?: number } | undefined)?.replicas;
/** A hand edit of an object through a callback on a copy. */
function handEdit(h: Harness, ref: ObjectRef, change: (o: KubeObject) => void) {
  const object = h.cluster.get(ref)!;
  change(object);
  h.cluster.put(object);
}

async function withGreen(overrides: Record<string, unknown> = {}) {
  const h = memoryHarness(overrides);
  await deploy(h.deps, { ...base, version: V1 });
  return h;
}

describe('promote', () => {
  // Was a bug (high, fixed): promote has no phase guard. After a promotion the "new" slot is otherSlot(live) = the OLD
  // slot, so a second promote (a retried Slack click, a second approver, a CLI re-run) sends 100% back to
  // the previous version and schedules the teardown of the release that was just promoted.
  it('refuses a second promote instead of sending all traffic back to the old version', async () => {
    const h = await withGreen();
    await promote(h.deps, base);

    await expect(promote(h.deps, { ...base, actor: 'U0BOB' })).rejects.toMatchObject({ code: 'refused' });
    expect(weightsOf(h)).toEqual({ blue: 0, green: 100 });
    expect((await h.store.get('address-service'))!.live).toBe('green');
  });

  it('refuses a slot scaled to 0 by hand, with the counts, and writes nothing', async () => {
    const h = await withGreen();
    handEdit(h, GREEN, (o) => {
      (o.spec as { replicas: number }).replicas = 0;
    });
    const writes = h.cluster.writes.length;

    await expect(promote(h.deps, base)).rejects.toThrow(
      'promote: address-service green is not ready (0/0 available); wait or /gray status address-service',
    );
    expect(h.cluster.writes.length).toBe(writes);
    expect(weightsOf(h)).toEqual({ blue: 100, green: 0 });
  });
});

describe('shiftWeight', () => {
  it('refuses when the green Deployment was deleted by hand, saying to deploy it', async () => {
    const h = await withGreen();
    handDelete(h, GREEN);
    const writes = h.cluster.writes.length;

    await expect(shiftWeight(h.deps, { ...base, weight: 10 })).rejects.toThrow(
      'weight: address-service green is not deployed; deploy it first with /gray deploy address-service green <version>',
    );
    expect(h.cluster.writes.length).toBe(writes);
    expect(weightsOf(h)).toEqual({ blue: 100, green: 0 });
    expect(h.store.audit.at(-1)).toMatchObject({ action: 'weight', result: 'refused' });
  });

  // Was a bug (high, fixed): the DestinationRule subset is only ensured by deploy. If someone deletes the green subset
  // afterwards, a weight shift routes traffic to a subset that does not exist (Envoy answers 503 NR).
  // Since issue 8 (a weight shift is one Deployment LIST + one PATCH) route changes trust subsets gray has
  // checked; a record without that check (adopted from a cluster gray never deployed to) still gets it,
  // and a subset removed later is drift (status, the sweeper) until reconcile puts it back.
  it('puts a missing subset back before routing weight to it when the record has not checked the rule', async () => {
    const h = await withGreen();
    const record = (await h.store.get('address-service'))!;
    delete record.subsetsChecked;
    await h.store.save({ ...record, version: record.version + 1 }, record.version);
    handEdit(h, DR, (o) => {
      const spec = o.spec as { subsets: { name: string }[] };
      spec.subsets = spec.subsets.filter((s) => s.name !== 'green');
    });

    await shiftWeight(h.deps, { ...base, weight: 10 });

    const subsets = (h.cluster.get(DR)!.spec as { subsets: { name: string }[] }).subsets.map((s) => s.name);
    expect({ weights: weightsOf(h), subsets }).toEqual({
      weights: { blue: 90, green: 10 },
      subsets: ['blue', 'green'],
    });
    expect((await h.store.get('address-service'))!.subsetsChecked).toBe(true);
  });

  it('reports a subset removed after gray checked it as drift, and reconcile puts it back', async () => {
    const h = await withGreen();
    handEdit(h, DR, (o) => {
      const spec = o.spec as { subsets: { name: string }[] };
      spec.subsets = spec.subsets.filter((s) => s.name !== 'green');
    });

    const status = await getStatus(h.deps, { service: 'address-service' });
    await reconcile(h.deps, base);

    const subsets = (h.cluster.get(DR)!.spec as { subsets: { name: string }[] }).subsets.map((s) => s.name);
    expect({ drift: status.drift, subsets }).toEqual({
      drift: ['DestinationRule: subset green missing'],
      subsets: ['blue', 'green'],
    });
  });

  // Was a bug (medium, fixed): the weight-step approval is checked only when a record exists. On a service gray has not
  // recorded yet (green deployed by the seed's helmfile), `weight 100` goes through with no approval.
  it('asks for approval of a 100-point step on a service gray has not recorded yet', async () => {
    const h = memoryHarness();
    h.cluster.put(buildDeployment(h.deps.config.services[0]!, 'green', V1));

    const result = await shiftWeight(h.deps, { ...base, weight: 100 });

    expect(result.kind).toBe('approval-required');
    expect(weightsOf(h)).toEqual({ blue: 100, green: 0 });
  });
});

describe('rollback', () => {
  // Was a bug: during a release rollback sent 100% to the live slot without reading it. If the blue
  // Deployment is gone (deleted by hand, evicted), the 25% still served by green moved to nothing.
  it('refuses to move all traffic onto a live slot whose Deployment is gone', async () => {
    const h = await withGreen();
    await shiftWeight(h.deps, { ...base, weight: 25 });
    handDelete(h, BLUE);

    await expect(rollback(h.deps, base)).rejects.toThrow(
      'rollback: Deployment address-service-blue no longer exists; redeploy the old version with /gray deploy address-service blue 1.0.0-fe220c2',
    );
    expect(weightsOf(h)).toEqual({ blue: 75, green: 25 });
  });

  it('scales a live slot scaled to 0 by hand back up before moving traffic onto it', async () => {
    const h = await withGreen();
    await shiftWeight(h.deps, { ...base, weight: 25 });
    handEdit(h, BLUE, (o) => {
      (o.spec as { replicas: number }).replicas = 0;
    });
    const before = h.cluster.writes.length;

    await rollback(h.deps, base);

    expect(h.cluster.writes.slice(before).map((w) => `${w.verb} ${w.ref}`)).toEqual([
      'patch Deployment/happyride/address-service-blue',
      'patch VirtualService/happyride/address-service-deployment',
    ]);
    expect((h.cluster.get(BLUE)!.spec as { replicas: number }).replicas).toBe(2);
    expect(weightsOf(h)).toEqual({ blue: 100, green: 0 });
  });

  // Was reachable with gray's own commands: weight 100 left the recorded live slot (blue) at 0, teardown
  // blue deleted it, and rollback sent 100% to the deleted blue. Teardown now refuses the live slot.
  it('weight 100 then teardown of the recorded live slot is refused, so rollback still has blue', async () => {
    const h = await withGreen();
    await shiftWeight(h.deps, { ...base, weight: 100, approved: true });

    await expect(teardown(h.deps, { ...base, slot: 'blue' })).rejects.toThrow(
      'teardown: address-service blue is the live slot',
    );
    await rollback(h.deps, base);

    expect(replicasOf(h, BLUE)).toBe(2);
    expect(weightsOf(h)).toEqual({ blue: 100, green: 0 });
  });

  it('twice in a row: the second is refused, says why, and writes nothing', async () => {
    const h = await withGreen();
    await shiftWeight(h.deps, { ...base, weight: 25 });
    await rollback(h.deps, base);
    const writes = h.cluster.writes.length;

    await expect(rollback(h.deps, base)).rejects.toThrow(
      'rollback: address-service was just rolled back; nothing to roll back (see /gray status address-service)',
    );
    expect(h.cluster.writes.length).toBe(writes);
    expect(weightsOf(h)).toEqual({ blue: 100, green: 0 });
  });

  it('after a promotion whose old Deployment was deleted by hand: refused with the version to redeploy', async () => {
    const h = await withGreen();
    await promote(h.deps, base);
    handDelete(h, BLUE);

    await expect(rollback(h.deps, base)).rejects.toThrow(
      'rollback: Deployment address-service-blue no longer exists; redeploy the old version with /gray deploy address-service blue 1.0.0-fe220c2',
    );
    expect(weightsOf(h)).toEqual({ blue: 0, green: 100 });
    expect(await h.store.getLock('address-service')).toBeUndefined();
  });
});

describe('teardown', () => {
  it('refuses the live slot (it carries 100%) and deletes nothing', async () => {
    const h = await withGreen();
    const writes = h.cluster.writes.length;

    await expect(teardown(h.deps, { ...base, slot: 'blue' })).rejects.toThrow(
      'teardown: address-service blue is the live slot; promote or roll back to the other slot first, then tear blue down',
    );
    expect(h.cluster.writes.length).toBe(writes);
    expect(replicasOf(h, BLUE)).toBe(2);
  });

  it('refuses a slot the header route points at', async () => {
    const h = await withGreen();
    await setHeaderRoute(h.deps, { ...base, header: 'x-latest-version', value: 'true' });

    await expect(teardown(h.deps, { ...base, slot: 'green' })).rejects.toThrow(
      'teardown: the header route sends requests to address-service green; clear it first with /gray route address-service off',
    );
    expect(replicasOf(h, GREEN)).toBe(2);
    expect(readHeaderRoute(h.deps.config.services[0]!, h.cluster.get(VS)!)?.slot).toBe('green');
  });

  // Was a bug (medium, fixed): teardown checks only gray's default route and header route. A user's own route in the
  // same VirtualService that sends requests to subset green is ignored, so its Deployment is deleted
  // while that route still points at it.
  it("refuses a slot that a user's own route still sends requests to", async () => {
    const h = await withGreen();
    handEdit(h, VS, (o) => {
      (o.spec as { http: unknown[] }).http.unshift({
        name: 'qa-team',
        match: [{ headers: { 'x-team': { exact: 'qa' } } }],
        route: [{ destination: { host: 'address-service.happyride.svc.cluster.local', subset: 'green' } }],
      });
    });

    await expect(teardown(h.deps, { ...base, slot: 'green' })).rejects.toMatchObject({ code: 'refused' });
    expect(replicasOf(h, GREEN)).toBe(2);
  });

  // Was a bug (medium, fixed): with no VirtualService (deleted by hand) teardown checks nothing, so the recorded live
  // slot is deleted; the shared Service then has no pods of the version that served traffic.
  it('refuses the recorded live slot even when the VirtualService is missing', async () => {
    const h = await withGreen();
    handDelete(h, VS);

    await expect(teardown(h.deps, { ...base, slot: 'blue' })).rejects.toMatchObject({ code: 'refused' });
    expect(replicasOf(h, BLUE)).toBe(2);
  });
});
