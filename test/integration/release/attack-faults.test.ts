// Hostile review of the release engine under Kubernetes API faults and hand edits, through the real
// client-node against our API server and DynamoDB Local. `it.fails` marks a test of the CORRECT behaviour
// that documents a bug (it turns red once fixed; then drop `.fails`). Plain `it` tests pin what is right.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { readHeaderRoute, readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import { clearHeaderRoute, setHeaderRoute } from '../../../functions/release/header-route.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { promote } from '../../../functions/release/promote.js';
import { rollback } from '../../../functions/release/rollback.js';
import { shiftWeight } from '../../../functions/release/shift-weight.js';
import { getStatus } from '../../../functions/release/status.js';
import { teardown } from '../../../functions/release/teardown.js';
import { createClusterResolver } from '../../../functions/wiring.js';
import type { FaultSpec } from '../../support/kube-api-server/index.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';
const base = { service: SVC, actor: 'U0ALICE' };
const V1 = '1.0.1-3b7c9e1';
const V2 = '2.0.0-c0ffee1';
const VS_PATH = '/virtualservices/address-service-deployment';
const BLUE_PATH = '/deployments/address-service-blue';
const GREEN_PATH = '/deployments/address-service-green';

let stack: ReleaseStack;
const service = () => stack.deps.config.services[0]!;
const vs = () => stack.kube.getObject('virtualservices', 'happyride', 'address-service-deployment')!;
const liveWeights = () => readWeights(service(), vs() as KubeObject);
const record = async () => (await stack.store.get(SVC))!;
const lastAudit = async () => (await stack.store.history(SVC, 1))[0];
const image = (slot: string) =>
  (
    stack.kube.getObject('deployments', 'happyride', `address-service-${slot}`)?.spec as
      | { template: { spec: { containers: { image: string }[] } } }
      | undefined
  )?.template.spec.containers[0]?.image;
/** Writes the API server applied (a PATCH refused by its resourceVersion test changed nothing). */
const writes = () =>
  stack.kube.requests.filter((r) => r.method !== 'GET' && r.status !== undefined && r.status < 300).length;

/** Record equals the live VirtualService (weights, header route), gray sees no drift, and no lock is left. */
async function expectSettled() {
  const r = await record();
  expect(r.weights).toEqual(liveWeights());
  expect(r.headerRoute).toEqual(readHeaderRoute(service(), vs() as KubeObject));
  expect((await getStatus(stack.deps, { service: SVC })).drift).toEqual([]);
  expect(await stack.store.getLock(SVC)).toBeUndefined();
}

/** Enough 500s to exhaust the adapter's retries (p-retry: 1 try + 6 retries). */
const down = (method: string, pathIncludes: string): FaultSpec => ({
  method,
  pathIncludes,
  times: 8,
  fault: { status: 500 },
});
/** One of each transient fault on `method pathIncludes`: 500, 429 with Retry-After, a reset, a delay. */
function flaky(method: string, pathIncludes: string) {
  stack.kube.injectFault({ method, pathIncludes, times: 1, fault: { status: 500 } });
  stack.kube.injectFault({ method, pathIncludes, times: 1, fault: { status: 429, retryAfterSeconds: 2 } });
  stack.kube.injectFault({ method, pathIncludes, times: 1, fault: { reset: true } });
  stack.kube.injectFault({ method, pathIncludes, times: 1, fault: { delayMs: 50 } });
}

/** A stack whose adapter backs off 1 ms, 2 ms, 4 ms… so exhausting its retries takes ~60 ms, not ~630 ms. */
async function start(config?: Record<string, unknown>): Promise<ReleaseStack> {
  const started = await startReleaseStack(inject('dynamoEndpoint'), config ? { config } : {});
  started.deps.clusterFor = createClusterResolver({
    kubeconfigYaml: started.kube.kubeConfigYaml('happyride'),
    kubernetes: { minBackoffMs: 1, sleep: async (ms) => void started.sleeps.push(ms) },
  });
  return started;
}

beforeEach(async () => {
  stack = await start();
  await deploy(stack.deps, { ...base, version: V1 });
  stack.kube.clearLog();
});
afterEach(() => stack.close());

describe('transient faults on every step end in the intended state', () => {
  it('weight and header route: GET and PATCH of the VirtualService flaky, 409 once', async () => {
    flaky('GET', VS_PATH);
    flaky('PATCH', VS_PATH);
    stack.kube.injectFault({ method: 'PATCH', pathIncludes: VS_PATH, times: 1, fault: { status: 409 } });
    flaky('GET', GREEN_PATH);

    await shiftWeight(stack.deps, { ...base, weight: 20 });
    await setHeaderRoute(stack.deps, { ...base, header: 'x-latest-version', value: 'true' });

    expect(liveWeights()).toEqual({ blue: 80, green: 20 });
    expect((await record()).headerRoute).toEqual({
      header: 'x-latest-version',
      values: ['true'],
      slot: 'green',
    });
    expect(stack.sleeps.filter((ms) => ms === 2000)).toEqual([2000, 2000, 2000]);
    await expectSettled();
  });

  it('promote, then rollback that scales the old slot up: every GET and PATCH flaky once', async () => {
    await stack.close();
    stack = await start({ strategy: 'blue-green', scaleDownIdle: true });
    await deploy(stack.deps, { ...base, version: V1 });
    flaky('PATCH', VS_PATH);
    await promote(stack.deps, base);
    flaky('PATCH', BLUE_PATH);
    await teardown(stack.deps, { ...base, slot: 'blue' });
    flaky('PATCH', BLUE_PATH);
    flaky('GET', BLUE_PATH);
    flaky('PATCH', VS_PATH);

    await rollback(stack.deps, base);

    expect(liveWeights()).toEqual({ blue: 100, green: 0 });
    expect(await record()).toMatchObject({ live: 'blue', phase: 'rolled-back' });
    expect((await record()).slots.blue).toMatchObject({ status: 'ready', version: '1.0.0-fe220c2' });
    await expectSettled();
  });

  it('deploy: Service, DestinationRule and Deployment calls flaky once, 409 on the Deployment patch', async () => {
    await promote(stack.deps, base);
    flaky('GET', '/services/address-service');
    flaky('PATCH', BLUE_PATH);
    stack.kube.injectFault({ method: 'PATCH', pathIncludes: BLUE_PATH, times: 1, fault: { status: 409 } });
    flaky('GET', BLUE_PATH);

    await deploy(stack.deps, { ...base, version: V2 });

    expect(image('blue')).toBe(`happyride/happyride-address-service:${V2}`);
    expect((await record()).slots.blue).toMatchObject({ version: V2, status: 'ready' });
    expect(liveWeights()).toEqual({ blue: 0, green: 100 });
    await expectSettled();
  });
});

describe('faults past the retry budget end in a recorded, explained failure', () => {
  it.each<[string, () => FaultSpec, () => Promise<unknown>]>([
    ['weight', () => down('PATCH', VS_PATH), () => shiftWeight(stack.deps, { ...base, weight: 10 })],
    ['promote', () => down('PATCH', VS_PATH), () => promote(stack.deps, base)],
    // The slots' Deployments are read with one LIST (its path ends in /deployments).
    ['weight', () => down('GET', '/deployments'), () => shiftWeight(stack.deps, { ...base, weight: 10 })],
  ])(
    '%s with %o: failed + reason in the audit, lock free, record still equals the cluster',
    async (action, fault, run) => {
      const before = await record();
      stack.kube.injectFault(fault());

      await expect(run()).rejects.toMatchObject({ code: 'cluster_unavailable' });

      expect(await lastAudit()).toMatchObject({ action, result: 'failed' });
      expect((await lastAudit())!.reason).toMatch(
        /did not answer successfully \(HTTP 500.*\); try again shortly$/,
      );
      expect((await record()).weights).toEqual(before.weights);
      expect(liveWeights()).toEqual({ blue: 100, green: 0 });
      await expectSettled();
    },
  );

  it('teardown (red/black) with DELETE down: failed, the Deployment and its record stay', async () => {
    await promote(stack.deps, base);
    stack.kube.injectFault(down('DELETE', BLUE_PATH));

    await expect(teardown(stack.deps, { ...base, slot: 'blue' })).rejects.toMatchObject({
      code: 'cluster_unavailable',
    });

    expect(image('blue')).toBe('happyride/happyride-address-service:1.0.0-fe220c2');
    expect((await record()).slots.blue?.status).toBe('ready');
    expect((await record()).teardown?.slot).toBe('blue');
    expect(await lastAudit()).toMatchObject({ action: 'teardown', result: 'failed' });
    await expectSettled();
  });

  // Was a bug (high, fixed): deploy checkpoints the draft (slot `deploying`, phase `deploying`) before touching the
  // cluster, and only RolloutFailedError turns it into `failed`. Any other error (API down, conflict, the
  // Deployment deleted mid-rollout) commits the checkpoint as-is: the slot claims the new version forever.
  it('marks the slot failed when deploy dies on a cluster error before the rollout', async () => {
    await promote(stack.deps, base);
    stack.kube.injectFault(down('PATCH', BLUE_PATH));

    await expect(deploy(stack.deps, { ...base, version: V2 })).rejects.toMatchObject({
      code: 'cluster_unavailable',
    });

    expect((await record()).slots.blue).toMatchObject({ version: V2, status: 'failed' });
    expect((await record()).phase).not.toBe('deploying');
  });

  // Was a bug (critical, fixed; followed from the one above): promote trusts the recorded slot status and only checks that
  // the Deployment has available pods. After the failed deploy, blue still runs the OLD version
  // (1.0.0-fe220c2), so promote sends 100% to it while saying "promoted address-service blue 2.0.0-c0ffee1",
  // and (red/black) schedules the deletion of green, the newest good version.
  it('after a deploy that died, promote does not ship the previous image as the new version', async () => {
    await promote(stack.deps, base);
    stack.kube.injectFault(down('PATCH', BLUE_PATH));
    await deploy(stack.deps, { ...base, version: V2 }).catch(() => undefined);

    await expect(promote(stack.deps, { ...base, actor: 'U0BOB' })).rejects.toMatchObject({
      code: 'refused',
    });
    expect(liveWeights()).toEqual({ blue: 0, green: 100 });
  });
});

describe('a slot whose last deploy failed', () => {
  async function failedBlue() {
    await promote(stack.deps, base);
    stack.kube.markImageBroken(V2);
    await expect(deploy(stack.deps, { ...base, version: V2 })).rejects.toMatchObject({
      code: 'rollout_failed',
    });
    // The old ReplicaSet (1.0.0-fe220c2) still serves: the Deployment has 2 available pods.
    expect((await record()).slots.blue).toMatchObject({ version: V2, status: 'failed' });
    stack.kube.clearLog();
  }

  it('cannot be promoted', async () => {
    await failedBlue();

    await expect(promote(stack.deps, base)).rejects.toThrow(
      'promote: the last deploy of address-service blue (2.0.0-c0ffee1) failed (ProgressDeadlineExceeded); deploy a good version first',
    );
    expect(writes()).toBe(0);
  });

  // Was a bug: a failed rollout keeps the old ReplicaSet's pods available, so weight or a header route
  // would send traffic to the previous version while the record says blue is 2.0.0-c0ffee1 (failed).
  it('gets no weight', async () => {
    await failedBlue();

    await expect(shiftWeight(stack.deps, { ...base, weight: 10 })).rejects.toMatchObject({
      code: 'refused',
    });
    expect(writes()).toBe(0);
  });

  it('gets no header route', async () => {
    await failedBlue();

    await expect(
      setHeaderRoute(stack.deps, { ...base, header: 'x-latest-version', value: 'true' }),
    ).rejects.toMatchObject({ code: 'refused' });
    expect(writes()).toBe(0);
  });
});

describe('hand edits of the VirtualService between operations', () => {
  type Route = { name?: string; match?: unknown; route?: { weight?: number }[]; [k: string]: unknown };
  const edit = (change: (http: Route[]) => void) => {
    const object = vs();
    change((object.spec as { http: Route[] }).http);
    stack.kube.putObject('virtualservices', object);
  };

  it('weights changed by hand: the next shift writes both weights from the live object', async () => {
    edit((http) => {
      http[0]!.route![0]!.weight = 60;
      http[0]!.route![1]!.weight = 40;
    });

    await shiftWeight(stack.deps, { ...base, weight: 30, approved: true });

    expect(liveWeights()).toEqual({ blue: 70, green: 30 });
    await expectSettled();
  });

  it("gray's default route removed: weight refused with how to fix it, nothing written, audited, lock free", async () => {
    edit((http) => {
      http[0]!.name = 'renamed-by-someone';
    });
    const before = JSON.stringify(vs().spec);

    await expect(shiftWeight(stack.deps, { ...base, weight: 10 })).rejects.toThrow(
      'VirtualService address-service-deployment has no http route named "address-service-http"; name its default route "address-service-http" or set routeName in gray.config.yaml',
    );

    expect(JSON.stringify(vs().spec)).toBe(before);
    expect(writes()).toBe(0);
    expect(await lastAudit()).toMatchObject({ action: 'weight', result: 'refused' });
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });

  it('routes reordered (header route moved after the default route, a user route first): re-set puts it back before the default, user route kept', async () => {
    await setHeaderRoute(stack.deps, { ...base, header: 'x-latest-version', value: 'true' });
    const user: Route = {
      name: 'legacy',
      match: [{ uri: { prefix: '/v0' } }],
      route: [{ destination: { host: 'legacy.happyride.svc.cluster.local' } } as never],
    };
    edit((http) => {
      const header = http.shift()!;
      http.push(header);
      http.unshift(user);
    });

    await setHeaderRoute(stack.deps, { ...base, header: 'x-latest-version', value: 'true' });

    const http = (vs().spec as { http: Route[] }).http;
    expect(http.map((r) => r.name)).toEqual(['legacy', 'address-service-latest', 'address-service-http']);
    expect(http[0]).toEqual(user);
    await clearHeaderRoute(stack.deps, base);
    expect((vs().spec as { http: Route[] }).http.map((r) => r.name)).toEqual([
      'legacy',
      'address-service-http',
    ]);
    await expectSettled();
  });

  it('DestinationRule green subset deleted by hand: the next deploy adds it back before any route uses it', async () => {
    const dr = stack.kube.getObject('destinationrules', 'happyride', 'address-service')!;
    const spec = dr.spec as { subsets: { name: string }[]; trafficPolicy?: unknown };
    spec.subsets = spec.subsets.filter((s) => s.name !== 'green');
    spec.trafficPolicy = { loadBalancer: { simple: 'LEAST_REQUEST' } };
    stack.kube.putObject('destinationrules', dr);

    await deploy(stack.deps, { ...base, version: V2 });

    const after = stack.kube.getObject('destinationrules', 'happyride', 'address-service')!
      .spec as typeof spec;
    expect(after.subsets.map((s) => s.name)).toEqual(['blue', 'green']);
    expect(after.trafficPolicy).toEqual({ loadBalancer: { simple: 'LEAST_REQUEST' } });
  });

  // Was a bug (low, fixed): status is read-only and meant to show drift, but it throws when gray's route is missing —
  // exactly when an operator needs it. It should report the missing route as drift.
  it('status reports a missing default route as drift instead of failing', async () => {
    edit((http) => {
      http[0]!.name = 'renamed-by-someone';
    });

    const status = await getStatus(stack.deps, { service: SVC });

    expect(status.drift.join('\n')).toContain('address-service-http');
  });
});

describe('oversized input reaching DynamoDB', () => {
  // Was a bug (medium, fixed): a ~250 KB header name passes parseHeaderName; the VirtualService is patched, then the
  // audit event (summary + snapshot, > 400 KB) cannot be written, so the record never learns about the
  // route: cluster and record disagree, and the user gets an unexposed internal DynamoDB error.
  it('is refused before the cluster is touched', async () => {
    const header = `x-${'a'.repeat(250_000)}`;

    const outcome = await setHeaderRoute(stack.deps, { ...base, header, value: 'true' }).then(
      () => 'done',
      (error: { code?: string; name: string }) => error.code ?? error.name,
    );

    // Today: the route is live in the VirtualService, the record has none, and outcome is ValidationException.
    await expectSettled();
    expect(outcome).toBe('invalid_input');
    expect(writes()).toBe(0);
  });
});
