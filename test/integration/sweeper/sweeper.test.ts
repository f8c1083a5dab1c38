import { afterEach, describe, expect, inject, it } from 'vitest';
import { readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import { adopt, reconcile } from '../../../functions/release/drift.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { promote } from '../../../functions/release/promote.js';
import { shiftWeight } from '../../../functions/release/shift-weight.js';
import { sweep } from '../../../functions/release/sweep.js';
import { cancelTeardown, extendTeardown } from '../../../functions/release/teardown-schedule.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { FakeClock } from '../../support/memory/fake-clock.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';
import { putItems, storedReleaseItem } from '../../support/stored-releases.js';

const actor = 'U0ALICE';
let stack: ReleaseStack;
let clock: FakeClock;
afterEach(() => stack?.close());

const extra = (name: string) => ({
  name,
  host: `${name}.happyride.svc.cluster.local`,
  virtualService: `${name}-deployment`,
  routeName: `${name}-http`,
  headerRouteName: `${name}-latest`,
});

async function start(options: { services?: string[]; config?: Record<string, unknown> } = {}) {
  clock = new FakeClock(Date.now());
  stack = await startReleaseStack(inject('dynamoEndpoint'), {
    clock,
    config: { bakeTime: '10m', ...options.config },
    ...(options.services ? { services: options.services.map(extra) } : {}),
  });
  return { ...stack.deps, operations: new DynamoDbOperationStore(stack.table.client, stack.table.tableName) };
}

/** Deploys green (or a first blue for services without objects), promotes: a teardown of the old slot is due after the bake time. */
async function promoteWithTeardown(deps: ReleaseStack['deps'], service: string) {
  if (service !== 'address-service')
    await deploy(deps, { service, actor, slot: 'blue', version: '1.0.0-aaaaaaa' });
  await deploy(deps, { service, actor, version: '1.0.1-bbbbbbb' });
  await promote(deps, { service, actor });
}

const vsOf = (service = 'address-service') =>
  stack.kube.getObject('virtualservices', 'happyride', `${service}-deployment`) as unknown as KubeObject;
const deployment = (name: string) => stack.kube.getObject('deployments', 'happyride', name);
/** Replicas a slot's Deployment asks for: 2 while it is kept, 0 once scaled down, undefined once deleted. */
const replicasOf = (name: string) => (deployment(name)?.spec as { replicas?: number } | undefined)?.replicas;

describe('sweeper: scheduled teardowns', () => {
  it('tears down the 3 due slots among 150 unrelated items in one run, by Query only', async () => {
    const deps = await start({ services: ['billing-service', 'route-service'] });
    for (const service of ['address-service', 'billing-service', 'route-service'])
      await promoteWithTeardown(deps, service);
    await putItems(
      stack.table,
      Array.from({ length: 150 }, (_, i) => storedReleaseItem(`other-${i}`)),
    );
    clock.advance(601_000);
    stack.table.requests.reset();

    const report = await sweep(deps);

    expect(report.tornDown.sort()).toEqual(['address-service', 'billing-service', 'route-service']);
    expect(['address-service-blue', 'billing-service-blue', 'route-service-blue'].map(deployment)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(stack.table.requests.count('Scan')).toBe(0);
    expect(stack.table.requests.count('Query')).toBe(3);
    expect((await deps.store.get('address-service'))!).toMatchObject({
      phase: 'stable',
      slots: { blue: { status: 'deleted' } },
    });
  });

  it('tears down once when two runs overlap', async () => {
    const deps = await start();
    await promoteWithTeardown(deps, 'address-service');
    clock.advance(601_000);
    stack.kube.clearLog();

    const [a, b] = await Promise.all([sweep(deps), sweep(deps)]);

    expect([...a.tornDown, ...b.tornDown]).toEqual(['address-service']);
    expect(stack.kube.countRequests({ method: 'DELETE', resource: 'deployments' })).toBe(1);
  });

  it('does not tear down a slot that got traffic back, and records why', async () => {
    const deps = await start();
    await promoteWithTeardown(deps, 'address-service');
    const vs = vsOf();
    const route = (vs.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route;
    route[0]!.weight = 10;
    route[1]!.weight = 90;
    stack.kube.putObject('virtualservices', vs as never);
    clock.advance(601_000);

    const report = await sweep(deps);

    expect(report.blocked).toEqual(['address-service']);
    expect(replicasOf('address-service-blue')).toBe(2);
    const [event] = await deps.store.history('address-service', 1);
    expect(event).toMatchObject({
      actor: 'gray-sweeper',
      result: 'refused',
      reason:
        'not torn down: blue has 10% of traffic again; run /gray teardown address-service blue once it is safe',
    });
    expect((await deps.store.get('address-service'))!.teardown).toBeUndefined();
  });

  it('never runs a cancelled teardown', async () => {
    const deps = await start();
    await promoteWithTeardown(deps, 'address-service');
    await cancelTeardown(deps, { service: 'address-service', actor });
    clock.advance(3600_000);

    const report = await sweep(deps);

    expect(report.tornDown).toEqual([]);
    expect(replicasOf('address-service-blue')).toBe(2);
  });

  it('runs an extended teardown only after the new time', async () => {
    const deps = await start();
    await promoteWithTeardown(deps, 'address-service');
    await extendTeardown(deps, { service: 'address-service', actor, seconds: 7200 });
    clock.advance(601_000);
    expect((await sweep(deps)).tornDown).toEqual([]);
    expect(replicasOf('address-service-blue')).toBe(2);

    clock.advance(7200_000);

    expect((await sweep(deps)).tornDown).toEqual(['address-service']);
    expect(deployment('address-service-blue')).toBeUndefined();
  });
});

describe('sweeper: TTL', () => {
  it('treats items whose TTL passed as absent, since DynamoDB deletes them late', async () => {
    const deps = await start();
    const now = Math.floor(clock.now() / 1000);
    expect(await deps.operations.claimOnce('event:Ev1', 60, now)).toBe(true);
    expect(await deps.operations.claimOnce('event:Ev1', 60, now + 30)).toBe(false);

    expect(await deps.operations.claimOnce('event:Ev1', 60, now + 61)).toBe(true);
    const lock = {
      operationId: 'op-ttl',
      action: 'weight',
      summary: 'weight 5',
      requester: actor,
      since: now,
      expiresAt: now + 5,
    };
    await deps.operations.enqueue(
      {
        operationId: 'op-ttl',
        service: 'address-service',
        command: { verb: 'weight', service: 'address-service', weight: 5 },
        summary: 'weight 5',
        actor,
        state: 'queued',
        createdAt: now,
        updatedAt: now,
        expiresAt: now + 10,
      },
      lock,
      undefined,
      now,
    );
    expect(await deps.operations.getOperation('op-ttl', now + 11)).toBeUndefined();
  });
});

describe('sweeper: drift', () => {
  it('reports a hand edit once, refuses weight commands until adopt', async () => {
    const deps = await start();
    await deploy(deps, { service: 'address-service', actor, version: '1.0.1-bbbbbbb' });
    await shiftWeight(deps, { service: 'address-service', actor, weight: 10 });
    const vs = vsOf();
    const route = (vs.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route;
    route[0]!.weight = 95;
    route[1]!.weight = 5;
    stack.kube.putObject('virtualservices', vs as never);

    const first = await sweep(deps);
    const second = await sweep(deps);

    expect(first.notices.map((n) => n.kind)).toEqual(['drift']);
    expect(first.notices[0]!.text).toContain('weights: recorded blue 90/green 10, live blue 95/green 5');
    expect(second.notices).toEqual([]);
    await expect(shiftWeight(deps, { service: 'address-service', actor, weight: 20 })).rejects.toThrow(
      'weight 20: address-service has drifted from what gray recorded (weights: recorded blue 90/green 10, live blue 95/green 5); run /gray adopt address-service',
    );
    expect(readWeights(deps.config.services[0]!, vsOf())).toEqual({ blue: 95, green: 5 });

    await adopt(deps, { service: 'address-service', actor });
    await shiftWeight(deps, { service: 'address-service', actor, weight: 20 });

    expect(readWeights(deps.config.services[0]!, vsOf())).toEqual({ blue: 80, green: 20 });
    expect((await deps.store.get('address-service'))!.drift).toBeUndefined();
  });
});

describe('sweeper: drift of the DestinationRule', () => {
  // Route changes trust the subsets gray checked at deploy (one LIST + one PATCH per weight shift);
  // a subset removed by hand afterwards is drift: weight commands wait, reconcile puts it back.
  it('reports a hand-removed subset, refuses weight commands, and reconcile restores the subset', async () => {
    const deps = await start();
    await deploy(deps, { service: 'address-service', actor, version: '1.0.1-bbbbbbb' });
    await shiftWeight(deps, { service: 'address-service', actor, weight: 10 });
    const rule = stack.kube.getObject('destinationrules', 'happyride', 'address-service')!;
    const spec = rule.spec as { subsets: { name: string }[] };
    spec.subsets = spec.subsets.filter((s) => s.name !== 'green');
    stack.kube.putObject('destinationrules', rule as never);

    const report = await sweep(deps);

    expect(report.notices.map((n) => n.text)).toEqual([
      '⚠️ address-service has drifted from what gray recorded: DestinationRule: subset green missing. Write commands wait until someone runs /gray adopt address-service (accept the live state) or /gray reconcile address-service (restore the record, needs approval).',
    ]);
    await expect(shiftWeight(deps, { service: 'address-service', actor, weight: 20 })).rejects.toThrow(
      'weight 20: address-service has drifted from what gray recorded (DestinationRule: subset green missing)',
    );

    await reconcile(deps, { service: 'address-service', actor });

    const subsets = (
      stack.kube.getObject('destinationrules', 'happyride', 'address-service')!.spec as {
        subsets: { name: string }[];
      }
    ).subsets.map((s) => s.name);
    expect(subsets).toEqual(['blue', 'green']);
    expect((await deps.store.get('address-service'))!.drift).toBeUndefined();
  });
});

describe('sweeper: crash recovery', () => {
  it('records the real outcome of an operation whose worker died after the cluster write, and frees the lock', async () => {
    const deps = await start();
    await deploy(deps, { service: 'address-service', actor, version: '1.0.1-bbbbbbb' });
    const now = Math.floor(clock.now() / 1000);
    const command = { verb: 'weight' as const, service: 'address-service', weight: 25 };
    await deps.operations.enqueue(
      {
        operationId: 'op-dead',
        service: 'address-service',
        command,
        summary: 'weight 25',
        actor,
        channel: 'C0RELEASES',
        state: 'queued',
        createdAt: now,
        updatedAt: now,
        expiresAt: now + 86400,
      },
      {
        operationId: 'op-dead',
        action: 'weight',
        summary: 'weight 25',
        requester: actor,
        since: now,
        expiresAt: now + 120,
      },
      undefined,
      now,
    );
    await deps.operations.transition('op-dead', ['queued'], 'running', {}, now);
    // The worker patched the VirtualService, then died before recording anything.
    const vs = vsOf();
    const route = (vs.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route;
    route[0]!.weight = 75;
    route[1]!.weight = 25;
    stack.kube.putObject('virtualservices', vs as never);
    clock.advance(121_000);

    const report = await sweep(deps);

    expect(report.recovered).toBe(1);
    expect(report.notices[0]).toMatchObject({ kind: 'recovered', channel: 'C0RELEASES' });
    expect((await deps.store.get('address-service'))!.weights).toEqual({ blue: 75, green: 25 });
    expect(await deps.store.getLock('address-service')).toBeUndefined();
    expect(await deps.operations.getOperation('op-dead', Math.floor(clock.now() / 1000))).toMatchObject({
      state: 'succeeded',
    });
    await shiftWeight(deps, { service: 'address-service', actor, weight: 30 });
    expect(readWeights(deps.config.services[0]!, vsOf())).toEqual({ blue: 70, green: 30 });
  });
});
