// The canary end to end on real servers: a real Prometheus (Debian's package) scraping the loopback
// Istio exporter every second, DynamoDB Local, our Kubernetes API server, and the sweeper driving each
// analysis. The state machine runs on a fake clock (advanced one interval per tick); Prometheus
// evaluates every query at the real now, over a 10 s window of real scrapes.
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { GrayConfig } from '../../../functions/config.js';
import { readWeights } from '../../../functions/istio/virtual-service.js';
import { abortCanary, pauseCanary, resumeCanary } from '../../../functions/release/canary/control.js';
import { startCanary } from '../../../functions/release/canary/start.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { decideApproval } from '../../../functions/release/request.js';
import { runQueuedOperation } from '../../../functions/release/run-queued.js';
import { sweep } from '../../../functions/release/sweep.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { findFreePort } from '../../support/dynamodb-local.js';
import { type IstioExporter, startIstioExporter } from '../../support/istio-exporter.js';
import { FakeClock } from '../../support/memory/fake-clock.js';
import { type LocalPrometheus, startPrometheus } from '../../support/prometheus.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const actor = 'U0ALICE';
const CHANNEL = 'C0RELEASES';
const INTERVAL_MS = 300_000;
let exporter: IstioExporter;
let prometheus: LocalPrometheus;
let stack: ReleaseStack | undefined;
let clock: FakeClock;

/** Traffic per service: blue healthy at 50 rps / 40 ms; green as the case needs. */
const GREEN: Record<string, { rps: number; errorRate?: number; latencyMs?: number }> = {
  'healthy-service': { rps: 20 },
  'approval-service': { rps: 20 },
  'faulty-service': { rps: 20, errorRate: 0.05 },
  'slow-service': { rps: 20, latencyMs: 120 },
  'quiet-service': { rps: 0 },
  'outage-service': { rps: 20 },
  'paused-service': { rps: 20 },
  'aborted-service': { rps: 20 },
};

beforeAll(async () => {
  exporter = await startIstioExporter();
  for (const [service, green] of Object.entries(GREEN)) {
    exporter.set(`${service}-blue`, { rps: 50, latencyMs: 40 });
    exporter.set(`${service}-green`, { latencyMs: 40, ...green });
  }
  prometheus = await startPrometheus([exporter.target]);
  await prometheus.waitForScrapes(3);
});
afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
});
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A stack whose only used service is `name` (deployed blue 1.0.0, then green 1.0.1), canary on the real Prometheus. */
async function start(
  name: string,
  overrides: { config?: Record<string, unknown>; prometheusUrl?: string } = {},
) {
  clock = new FakeClock(Date.now());
  stack = await startReleaseStack(inject('dynamoEndpoint'), {
    clock,
    config: {
      canary: {
        steps: [10, 50, 100],
        interval: '5m',
        failureLimit: 2,
        minRequests: 20,
        window: '10s',
        prometheus: { url: overrides.prometheusUrl ?? prometheus.url },
      },
      ...overrides.config,
    },
    services: [
      {
        name,
        host: `${name}.happyride.svc.cluster.local`,
        virtualService: `${name}-deployment`,
        routeName: `${name}-http`,
        headerRouteName: `${name}-latest`,
      },
    ],
  });
  const deps = {
    ...stack.deps,
    operations: new DynamoDbOperationStore(stack.table.client, stack.table.tableName),
  };
  await deploy(deps, { service: name, actor, slot: 'blue', version: '1.0.0-aaaaaaa' });
  await deploy(deps, { service: name, actor, version: '1.0.1-bbbbbbb' });
  return deps;
}

const serviceOf = (config: GrayConfig, name: string) => config.services.find((s) => s.name === name)!;
const weights = (name: string) =>
  readWeights(
    serviceOf(stack!.deps.config, name),
    stack!.kube.getObject('virtualservices', 'happyride', `${name}-deployment`) as unknown as KubeObject,
  );
/** One interval later, one sweep. */
async function tick(deps: Awaited<ReturnType<typeof start>>) {
  clock.advance(INTERVAL_MS);
  return sweep(deps);
}
/** Request counts come from real scrapes; the rest of a text is exact. */
const counted = (text: string | undefined) =>
  text?.replace(/on \d+ requests/g, 'on N requests').replace(/blue \d+ \(/g, 'blue N (');

describe('canary driven by the sweeper against a real Prometheus', () => {
  it('walks a healthy green through every step and promotes it', async () => {
    const deps = await start('healthy-service', { config: { approvalRequired: ['teardown'] } });

    const started = await startCanary(deps, { service: 'healthy-service', actor, channel: CHANNEL });
    expect(weights('healthy-service')).toEqual({ blue: 90, green: 10 });
    expect(started.message).toMatch(
      /^canary started on healthy-service: green 1\.0\.1-bbbbbbb has 10% \(step 1 of 3 \(10%\)\); first analysis at \d\d:\d\d UTC, then 50%, 100% every 5m$/,
    );

    const first = await tick(deps);
    expect(weights('healthy-service')).toEqual({ blue: 50, green: 50 });
    const second = await tick(deps);
    expect(weights('healthy-service')).toEqual({ blue: 0, green: 100 });
    const third = await tick(deps);

    expect([first, second, third].map((r) => counted(r.canaries[0]?.text))).toEqual([
      '✅ healthy-service: canary analysis passed at 10% (green passed 2 of 2 checks on N requests); green now has 50%, step 2 of 3 (50%)',
      '✅ healthy-service: canary analysis passed at 50% (green passed 2 of 2 checks on N requests); green now has 100%, step 3 of 3 (100%)',
      expect.stringMatching(
        /^🚀 healthy-service: canary passed all 3 steps; promoted healthy-service green 1\.0\.1-bbbbbbb to 100%; blue \(1\.0\.0-aaaaaaa\) will be deleted at \d\d:\d\d UTC after a bake time of 30m$/,
      ),
    ]);
    const record = (await deps.store.get('healthy-service'))!;
    expect(record).toMatchObject({ live: 'green', phase: 'promoted', channel: CHANNEL });
    expect(record.canary).toMatchObject({
      status: 'promoted',
      stepIndex: 2,
      failures: 0,
      note: 'all 3 steps passed',
    });
    expect(record.canary!.last!.checks.map((c) => [c.name, c.verdict, Number(c.canary?.toFixed(2))])).toEqual(
      [
        ['success-rate', 'pass', 100],
        ['p99-latency', 'pass', 49.75],
      ],
    );
    expect((await tick(deps)).canaries).toEqual([]);
    const history = (await deps.store.history('healthy-service', 10))
      .filter((e) => e.action !== 'deploy' && e.action !== 'adopt')
      .map((e) => [e.actor, e.action, e.summary, e.result]);
    expect(history.slice(0, 3)).toEqual([
      ['gray-canary', 'promote', 'promote', 'succeeded'],
      ['gray-canary', 'weight', 'weight 100', 'succeeded'],
      ['gray-canary', 'weight', 'weight 50', 'succeeded'],
    ]);
    // The start's two events share a millisecond (fake clock), so their order is the ids'.
    expect(history.slice(3).sort()).toEqual([
      [actor, 'canary', 'canary steps 10,50,100 every 5m', 'succeeded'],
      [actor, 'weight', 'weight 10', 'succeeded'],
    ]);
  });

  it('rolls a green answering 5% errors back after failureLimit analyses, with the numbers', async () => {
    const deps = await start('faulty-service');
    await startCanary(deps, { service: 'faulty-service', actor, channel: CHANNEL });

    const first = await tick(deps);
    expect(weights('faulty-service')).toEqual({ blue: 90, green: 10 });
    const second = await tick(deps);

    expect(first.canaries[0]).toMatchObject({
      notify: false,
      text: '⚠️ faulty-service: canary analysis failed at green step 1 of 3 (10%) (1 of 2 in a row): green success rate 95.00% (needs ≥ 99.00%; blue 100.00%)',
    });
    expect(second.canaries[0]).toMatchObject({
      channel: CHANNEL,
      notify: true,
      text: '⏪ faulty-service: canary of green 1.0.1-bbbbbbb rolled back after 2 failed analyses in a row: green success rate 95.00% (needs ≥ 99.00%; blue 100.00%). rolled back faulty-service: blue (1.0.0-aaaaaaa) has 100%, green 0%',
    });
    expect(weights('faulty-service')).toEqual({ blue: 100, green: 0 });
    const record = (await deps.store.get('faulty-service'))!;
    expect(record.phase).toBe('rolled-back');
    expect(record.canary).toMatchObject({ status: 'rolled-back', failures: 2 });
    const [rollback, failed] = await deps.store.history('faulty-service', 2);
    expect([rollback?.actor, rollback?.action, rollback?.result]).toEqual([
      'gray-canary',
      'rollback',
      'succeeded',
    ]);
    expect([failed?.action, failed?.result, failed?.reason]).toEqual([
      'canary-check',
      'failed',
      'green success rate 95.00% (needs ≥ 99.00%; blue 100.00%)',
    ]);
  });

  it('fails a green whose p99 is far above 1.2 × blue and holds its weight', async () => {
    const deps = await start('slow-service');
    await startCanary(deps, { service: 'slow-service', actor, channel: CHANNEL });

    const report = await tick(deps);

    expect(report.canaries[0]?.text).toBe(
      '⚠️ slow-service: canary analysis failed at green step 1 of 3 (10%) (1 of 2 in a row): green p99 latency 248.5 ms (needs ≤ 1.2 × blue (59.7 ms))',
    );
    expect(weights('slow-service')).toEqual({ blue: 90, green: 10 });
  });

  it('holds without traffic to green: inconclusive, never a pass, failures not counted', async () => {
    const deps = await start('quiet-service');
    await startCanary(deps, { service: 'quiet-service', actor, channel: CHANNEL });

    const first = await tick(deps);
    const second = await tick(deps);

    expect(counted(second.canaries[0]?.text)).toBe(
      '⏸️ quiet-service: canary analysis inconclusive at green step 1 of 3 (10%): only 0 requests reached green in the last 10s; at least 20 are needed, so the step holds; requests in the last 10s: green 0, blue N (needs 20 on green)',
    );
    expect(counted(first.canaries[0]?.text)).toBe(counted(second.canaries[0]?.text));
    expect(weights('quiet-service')).toEqual({ blue: 90, green: 10 });
    expect((await deps.store.get('quiet-service'))!.canary).toMatchObject({
      status: 'running',
      stepIndex: 0,
      failures: 0,
    });
  });

  it('reports Prometheus being down as inconclusive, changes nothing, and retries next interval', async () => {
    const port = await findFreePort();
    const deps = await start('outage-service', { prometheusUrl: `http://127.0.0.1:${port}` });
    await startCanary(deps, { service: 'outage-service', actor, channel: CHANNEL });

    const down = await tick(deps);
    expect(down.canaries[0]?.text).toBe(
      `⏸️ outage-service: canary analysis inconclusive at green step 1 of 3 (10%): Prometheus could not answer (Prometheus at http://127.0.0.1:${port} is unreachable (ECONNREFUSED)); the step holds and the analysis is retried next interval; requests in the last 10s: unknown`,
    );
    expect(weights('outage-service')).toEqual({ blue: 90, green: 10 });

    // Prometheus comes back at the same address (a forwarder to the real one).
    const back: Server = createServer(async (request, response) => {
      const upstream = await fetch(`${prometheus.url}${request.url}`);
      response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
    try {
      const retried = await tick(deps);
      expect(counted(retried.canaries[0]?.text)).toBe(
        '✅ outage-service: canary analysis passed at 10% (green passed 2 of 2 checks on N requests); green now has 50%, step 2 of 3 (50%)',
      );
      expect(weights('outage-service')).toEqual({ blue: 50, green: 50 });
    } finally {
      await new Promise<void>((resolve) => back.close(() => resolve()));
    }
  });

  it('takes no step while paused, and steps again after resume', async () => {
    const deps = await start('paused-service');
    await startCanary(deps, { service: 'paused-service', actor, channel: CHANNEL });
    const paused = await pauseCanary(deps, { service: 'paused-service', actor });

    const report = await tick(deps);
    await tick(deps);

    expect(paused.message).toBe(
      'paused the canary on paused-service at green step 1 of 3 (10%); /gray canary paused-service resume to continue',
    );
    expect(report.canaries).toEqual([]);
    expect(weights('paused-service')).toEqual({ blue: 90, green: 10 });

    await resumeCanary(deps, { service: 'paused-service', actor });
    expect((await sweep(deps)).canaries).toEqual([]);
    await tick(deps);
    expect(weights('paused-service')).toEqual({ blue: 50, green: 50 });
  });

  it('sends all traffic back to blue on abort and stops analysing', async () => {
    const deps = await start('aborted-service');
    await startCanary(deps, { service: 'aborted-service', actor, channel: CHANNEL });
    await tick(deps);
    expect(weights('aborted-service')).toEqual({ blue: 50, green: 50 });

    const aborted = await abortCanary(deps, { service: 'aborted-service', actor: 'U0BOB' });

    expect(aborted.message).toBe(
      'aborted the canary on aborted-service: rolled back aborted-service: blue (1.0.0-aaaaaaa) has 100%, green 0%',
    );
    expect(weights('aborted-service')).toEqual({ blue: 100, green: 0 });
    expect((await deps.store.get('aborted-service'))!.canary).toMatchObject({
      status: 'aborted',
      note: 'aborted by U0BOB',
    });
    expect((await tick(deps)).canaries).toEqual([]);
    expect(weights('aborted-service')).toEqual({ blue: 100, green: 0 });
  });

  it('asks an approver to promote after the last step when the policy wants one, then records the promotion', async () => {
    // The seed's policy: promote (and weight steps above 25) need an approver.
    const deps = await start('approval-service');
    await startCanary(deps, { service: 'approval-service', actor, channel: CHANNEL, steps: [10, 100] });
    await tick(deps);
    expect(weights('approval-service')).toEqual({ blue: 0, green: 100 });

    const asked = await tick(deps);

    const update = asked.canaries[0]!;
    expect(update.text).toBe(
      "🙋 approval-service: canary all 2 steps passed; waiting for an approver to promote (approval-service's policy requires approval to promote)",
    );
    expect(update.approval).toMatchObject({
      summary: 'promote',
      requester: actor,
      channel: CHANNEL,
      status: 'pending',
    });
    expect((await deps.store.get('approval-service'))!.canary).toMatchObject({
      status: 'awaiting-approval',
      approvalId: update.approval!.approvalId,
    });
    expect((await tick(deps)).canaries).toEqual([]);

    const { operation } = await decideApproval(deps, {
      approvalId: update.approval!.approvalId,
      actor: 'U0APPROVER',
      decision: 'approved',
    });
    const ran = await runQueuedOperation(deps, operation!.operationId, { report: async () => undefined });
    const ended = await tick(deps);

    expect(ran).toBe('succeeded');
    expect(ended.canaries[0]?.text).toBe(
      '🐤 approval-service: the canary of green 1.0.1-bbbbbbb ended: green 1.0.1-bbbbbbb was promoted after approval',
    );
    expect((await deps.store.get('approval-service'))!.canary?.status).toBe('promoted');
  });

  it('rejects the pending promotion approval when the canary is aborted, so a late Approve promotes nothing', async () => {
    const deps = await start('approval-service');
    await startCanary(deps, { service: 'approval-service', actor, channel: CHANNEL, steps: [10, 100] });
    await tick(deps);
    const { approval } = (await tick(deps)).canaries[0]!;

    await abortCanary(deps, { service: 'approval-service', actor: 'U0BOB' });

    expect(weights('approval-service')).toEqual({ blue: 100, green: 0 });
    expect(await deps.operations.getApproval(approval!.approvalId)).toMatchObject({
      status: 'rejected',
      decidedBy: 'U0BOB',
    });
    await expect(
      decideApproval(deps, { approvalId: approval!.approvalId, actor: 'U0APPROVER', decision: 'approved' }),
    ).rejects.toThrow('promote on approval-service was already rejected by <@U0BOB>');
    expect(weights('approval-service')).toEqual({ blue: 100, green: 0 });
  });
});
