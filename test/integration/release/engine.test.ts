import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import { setHeaderRoute } from '../../../functions/release/header-route.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { promote } from '../../../functions/release/promote.js';
import { rollback } from '../../../functions/release/rollback.js';
import { shiftWeight } from '../../../functions/release/shift-weight.js';
import { teardown } from '../../../functions/release/teardown.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const base = { service: 'address-service', actor: 'U0ALICE' };
const VS_PATH = '/virtualservices/address-service-deployment';

let stack: ReleaseStack;
const vs = () =>
  stack.kube.getObject('virtualservices', 'happyride', 'address-service-deployment') as unknown as KubeObject;
const weights = () => readWeights(stack.deps.config.services[0]!, vs());
const routeWeights = () =>
  (
    vs().spec as { http: { name: string; route: { destination: { subset: string }; weight?: number }[] }[] }
  ).http
    .find((r) => r.name === 'address-service-http')!
    .route.map((d) => [d.destination.subset, d.weight]);

describe('release engine on DynamoDB Local and the Kubernetes API server', () => {
  beforeEach(async () => {
    stack = await startReleaseStack(inject('dynamoEndpoint'));
    await deploy(stack.deps, { ...base, version: '1.0.1-3b7c9e1' });
    stack.kube.clearLog();
  });
  afterEach(() => stack.close());

  it('weight 25 writes blue 75 and green 25 explicitly: one LIST of the slots and one JSON Patch (issue 8: 1 read + 1 write)', async () => {
    await shiftWeight(stack.deps, { ...base, weight: 25 });

    expect(routeWeights()).toEqual([
      ['blue', 75],
      ['green', 25],
    ]);
    expect(stack.kube.requests.map((r) => `${r.verb} ${r.resource} ${r.contentType ?? ''}`.trim())).toEqual([
      'list deployments',
      'patch virtualservices application/json-patch+json',
    ]);
    expect((await stack.store.get('address-service'))!.weights).toEqual({ blue: 75, green: 25 });
  });

  it('plans on a fresh read when the VirtualService changed since gray last saw it, keeping the other edit', async () => {
    const edited = vs();
    edited.metadata.annotations = { 'team/owner': 'routing' };
    stack.kube.putObject('virtualservices', edited as never);
    stack.kube.clearLog();

    await shiftWeight(stack.deps, { ...base, weight: 25 });

    expect(stack.kube.requests.map((r) => `${r.verb} ${r.resource} ${r.status}`)).toEqual([
      'list deployments 200',
      'patch virtualservices 422',
      'get virtualservices 200',
      'patch virtualservices 200',
    ]);
    expect({ weights: weights(), annotations: vs().metadata.annotations }).toEqual({
      weights: { blue: 75, green: 25 },
      annotations: { 'team/owner': 'routing' },
    });
  });

  it('keeps every other field of a user VirtualService byte-for-byte through a weight change', async () => {
    const user = vs();
    const spec = user.spec as { http: Record<string, unknown>[]; gateways?: string[] };
    spec.gateways = ['mesh', 'happyride/public-gateway'];
    spec.http.unshift({
      name: 'internal-canary-off',
      match: [{ uri: { prefix: '/internal' }, withoutHeaders: { 'x-canary': { exact: 'on' } } }],
      route: [{ destination: { host: 'address-service.happyride.svc.cluster.local', subset: 'blue' } }],
    });
    Object.assign(spec.http[1]!, {
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' },
      timeout: '10s',
    });
    spec.http.push({
      name: 'fallback',
      route: [{ destination: { host: 'fallback.happyride.svc.cluster.local' } }],
    });
    stack.kube.putObject('virtualservices', user as never);
    const strip = (o: KubeObject) => {
      const copy = structuredClone(o) as KubeObject & { spec: { http: { route?: { weight?: number }[] }[] } };
      for (const r of copy.spec.http) for (const d of r.route ?? []) delete d.weight;
      return JSON.stringify({
        spec: copy.spec,
        labels: copy.metadata.labels,
        annotations: copy.metadata.annotations,
      });
    };
    const before = strip(vs());

    await shiftWeight(stack.deps, { ...base, weight: 10 });

    expect(strip(vs())).toBe(before);
    expect(weights()).toEqual({ blue: 90, green: 10 });
  });

  it('re-reads and re-applies after one 409, landing the intended weights', async () => {
    stack.kube.injectFault({ method: 'PATCH', pathIncludes: VS_PATH, times: 1, fault: { status: 409 } });

    await shiftWeight(stack.deps, { ...base, weight: 20 });

    expect(weights()).toEqual({ blue: 80, green: 20 });
    expect(stack.kube.countRequests({ method: 'PATCH', resource: 'virtualservices' })).toBe(2);
  });

  it('gives up with a conflict error after 409 six times, recording the failure and freeing the lock', async () => {
    stack.kube.injectFault({ method: 'PATCH', pathIncludes: VS_PATH, times: 6, fault: { status: 409 } });

    await expect(shiftWeight(stack.deps, { ...base, weight: 20 })).rejects.toMatchObject({
      code: 'conflict',
    });

    expect(stack.kube.countRequests({ method: 'PATCH', resource: 'virtualservices' })).toBe(5);
    expect(weights()).toEqual({ blue: 100, green: 0 });
    const record = (await stack.store.get('address-service'))!;
    expect(record.weights).toEqual({ blue: 100, green: 0 });
    expect(await stack.store.getLock('address-service')).toBeUndefined();
    expect((await stack.store.history('address-service', 1))[0]).toMatchObject({
      action: 'weight',
      result: 'failed',
    });
  });

  it('does not trust an empty plan made on its last copy: weights changed by hand are written back', async () => {
    await shiftWeight(stack.deps, { ...base, weight: 25 });
    const edited = vs();
    const route = (edited.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route;
    route[0]!.weight = 90;
    route[1]!.weight = 10;
    stack.kube.putObject('virtualservices', edited as never);
    stack.kube.clearLog();

    await shiftWeight(stack.deps, { ...base, weight: 25 });

    expect({
      weights: weights(),
      requests: stack.kube.requests.map((r) => `${r.verb} ${r.resource} ${r.status}`),
    }).toEqual({
      weights: { blue: 75, green: 25 },
      requests: ['list deployments 200', 'get virtualservices 200', 'patch virtualservices 200'],
    });
  });

  it('judges a refusal on a fresh read, not on its last copy: a route renamed and fixed again since works', async () => {
    const renamed = vs();
    (renamed.spec as { http: { name: string }[] }).http[0]!.name = 'renamed-by-someone';
    stack.kube.putObject('virtualservices', renamed as never);
    await expect(shiftWeight(stack.deps, { ...base, weight: 10 })).rejects.toThrow(
      'has no http route named "address-service-http"',
    );
    const fixed = vs();
    (fixed.spec as { http: { name: string }[] }).http[0]!.name = 'address-service-http';
    stack.kube.putObject('virtualservices', fixed as never);

    await shiftWeight(stack.deps, { ...base, weight: 10 });

    expect(weights()).toEqual({ blue: 90, green: 10 });
  });

  it('retries 500, 429 (after its Retry-After) and a reset, then succeeds', async () => {
    stack.kube.injectFault({ method: 'GET', pathIncludes: '/deployments', times: 1, fault: { status: 500 } });
    stack.kube.injectFault({
      method: 'PATCH',
      pathIncludes: VS_PATH,
      times: 1,
      fault: { status: 429, retryAfterSeconds: 1 },
    });
    stack.kube.injectFault({ method: 'PATCH', pathIncludes: VS_PATH, times: 1, fault: { reset: true } });

    await shiftWeight(stack.deps, { ...base, weight: 5 });

    expect(weights()).toEqual({ blue: 95, green: 5 });
    const statuses = stack.kube.requests.map((r) => `${r.verb} ${r.resource} ${r.status}`);
    expect(statuses).toEqual([
      'list deployments 500',
      'list deployments 200',
      'patch virtualservices 429',
      'patch virtualservices 0',
      'patch virtualservices 200',
    ]);
    expect(stack.sleeps).toEqual([1000]);
  });

  it('lets exactly one of two overlapping weight shifts win, the other busy naming it; the record matches the cluster', async () => {
    // The winner's PATCH is held until the other shift settles, so the two provably overlap. Without
    // the hold they may not: DynamoDB can apply one lock write after the other operation has ended
    // (seen on DynamoDB Local under load), and then both run, one after the other, as they should.
    let firstSettled!: () => void;
    stack.kube.injectFault({
      method: 'PATCH',
      pathIncludes: VS_PATH,
      times: 1,
      fault: { hold: new Promise<void>((resolve) => (firstSettled = resolve)) },
    });
    const results = await Promise.allSettled(
      [
        shiftWeight(stack.deps, { ...base, actor: 'U0ALICE', weight: 10 }),
        shiftWeight(stack.deps, { ...base, actor: 'U0BOB', weight: 20 }),
      ].map((shift) => shift.finally(firstSettled)),
    );

    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    const [winner, weight] = won[0] === 0 ? ['U0ALICE', 10] : ['U0BOB', 20];
    expect(lost).toHaveLength(1);
    expect((lost[0]!.reason as { code: string }).code).toBe('busy');
    expect((lost[0]!.reason as Error).message).toMatch(
      new RegExp(`^address-service is busy: weight ${weight} by ${winner} since \\d\\d:\\d\\d UTC; wait`),
    );
    expect(weights()).toEqual({ blue: 100 - Number(weight), green: weight });
    const record = (await stack.store.get('address-service'))!;
    expect(record.weights).toEqual(weights());
    expect(await stack.store.getLock('address-service')).toBeUndefined();
  });

  it('marks a rollout that never becomes ready as failed and never touches the VirtualService', async () => {
    await promote(stack.deps, base);
    await teardown(stack.deps, { ...base, slot: 'blue' });
    stack.kube.markImageBroken('2.0.0-deadbee');
    stack.kube.clearLog();

    await expect(deploy(stack.deps, { ...base, version: '2.0.0-deadbee' })).rejects.toThrow(
      /did not become ready: ProgressDeadlineExceeded.*traffic untouched \(green keeps 100%\)/,
    );

    expect(weights()).toEqual({ blue: 0, green: 100 });
    expect(stack.kube.countRequests({ method: 'PATCH', resource: 'virtualservices' })).toBe(0);
    const record = (await stack.store.get('address-service'))!;
    expect(record.phase).toBe('failed');
    expect(record.slots.blue).toMatchObject({
      version: '2.0.0-deadbee',
      status: 'failed',
      reason: 'ProgressDeadlineExceeded',
    });
  });

  it('rolls back to a scaled-down slot by scaling it up and waiting before any weight moves', async () => {
    await stack.close();
    stack = await startReleaseStack(inject('dynamoEndpoint'), {
      kube: { rolloutDelayMs: 300 },
      config: { strategy: 'blue-green', scaleDownIdle: true },
    });
    await deploy(stack.deps, { ...base, version: '1.0.1-3b7c9e1' });
    await promote(stack.deps, base);
    await teardown(stack.deps, { ...base, slot: 'blue' });
    stack.kube.clearLog();

    await rollback(stack.deps, base);

    const log = stack.kube.requests;
    const scaled = log.findIndex(
      (r) => r.method === 'PATCH' && r.path.endsWith('/deployments/address-service-blue'),
    );
    const moved = log.findIndex((r) => r.method === 'PATCH' && r.path.endsWith(VS_PATH));
    expect(scaled).toBeGreaterThanOrEqual(0);
    expect(moved).toBeGreaterThan(scaled);
    const readyBeforeMove = log
      .slice(scaled + 1, moved)
      .filter((r) => r.method === 'GET' && r.path.endsWith('/deployments/address-service-blue')).length;
    expect(readyBeforeMove).toBeGreaterThan(1);
    const blue = stack.kube.getObject('deployments', 'happyride', 'address-service-blue') as unknown as {
      status: { availableReplicas: number };
    };
    expect(blue.status.availableReplicas).toBe(2);
    expect(weights()).toEqual({ blue: 100, green: 0 });
  });

  it('places the header route before the default route exactly once when applied twice', async () => {
    await setHeaderRoute(stack.deps, { ...base, header: 'x-latest-version', value: 'true' });
    await setHeaderRoute(stack.deps, { ...base, header: 'x-latest-version', value: 'true' });

    const http = (vs().spec as { http: { name: string; match?: unknown }[] }).http;
    expect(http.map((r) => r.name)).toEqual(['address-service-latest', 'address-service-http']);
    expect(http[0]!.match).toEqual([{ headers: { 'x-latest-version': { exact: 'true' } } }]);
  });
});
