import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../../../functions/config.js';
import { analyseCanary, judgeCheck } from '../../../../functions/release/canary/analysis.js';
import { decideCanary } from '../../../../functions/release/canary/progress.js';
import { renderQuery } from '../../../../functions/release/canary/queries.js';
import { seedConfig } from '../../../support/memory/harness.js';
import { MemoryMetrics } from '../../../support/memory/memory-metrics.js';

const GREEN = 'address-service-green';
const BLUE = 'address-service-blue';

/** The seed's address-service with a canary block (5 min window, 100 requests at least) plus `canary`. */
const service = (canary: Record<string, unknown> = {}): ServiceConfig =>
  seedConfig({ canary: { minRequests: 100, window: '5m', ...canary } }).services[0]!;

const analyse = (metrics: MemoryMetrics | undefined, svc = service()) =>
  analyseCanary(metrics, { service: svc, slot: 'green', at: 1_800_000_000 });

describe('analyseCanary', () => {
  it('passes a healthy new slot on enough traffic, with both slots’ numbers', async () => {
    const metrics = new MemoryMetrics().healthy('address-service');

    const result = await analyse(metrics);

    expect(result).toEqual({
      at: 1_800_000_000,
      windowSeconds: 300,
      minRequests: 100,
      verdict: 'pass',
      reason: 'green passed 2 of 2 checks on 500 requests',
      requests: { canary: 500, live: 500 },
      checks: [
        {
          name: 'success-rate',
          unit: '%',
          comparison: '>=',
          threshold: 99,
          relative: false,
          canary: 100,
          live: 100,
          bound: 99,
          verdict: 'pass',
        },
        {
          name: 'p99-latency',
          unit: 'ms',
          comparison: '<=',
          threshold: 1.2,
          relative: true,
          canary: 49.75,
          live: 49.75,
          bound: 1.2 * 49.75,
          verdict: 'pass',
        },
      ],
    });
    expect(metrics.asked).toContain(
      'sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="happyride",destination_workload="address-service-green"}[300s]))',
    );
    expect(metrics.asked).toContain(
      'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="happyride",destination_workload="address-service-blue"}[300s])))',
    );
  });

  it('fails 5% errors against a 99% floor and names the numbers', async () => {
    const metrics = new MemoryMetrics().healthy('address-service').set('success-rate', GREEN, 95);

    const result = await analyse(metrics);

    expect(result.verdict).toBe('fail');
    expect(result.reason).toBe('green success rate 95.00% (needs ≥ 99.00%; blue 100.00%)');
  });

  it('fails a p99 above 1.2 × the live p99', async () => {
    const metrics = new MemoryMetrics().healthy('address-service').set('p99', GREEN, 248.5);

    const result = await analyse(metrics);

    expect(result.verdict).toBe('fail');
    expect(result.reason).toBe('green p99 latency 248.5 ms (needs ≤ 1.2 × blue (59.7 ms))');
  });

  it('is inconclusive below minRequests, whatever the other numbers say', async () => {
    const metrics = new MemoryMetrics().healthy('address-service').set('requests', GREEN, 12);

    const result = await analyse(metrics);

    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe(
      'only 12 requests reached green in the last 5m; at least 100 are needed, so the step holds',
    );
  });

  it('counts missing request series as no traffic', async () => {
    const metrics = new MemoryMetrics().healthy('address-service').set('requests', GREEN, undefined);

    expect((await analyse(metrics)).reason).toBe(
      'only 0 requests reached green in the last 5m; at least 100 are needed, so the step holds',
    );
  });

  it('is inconclusive when Prometheus has no value for the new slot', async () => {
    const metrics = new MemoryMetrics().healthy('address-service').set('p99', GREEN, undefined);

    const result = await analyse(metrics);

    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe('Prometheus has no data for green p99 latency; the step holds');
  });

  it('does not compare a relative check when the live slot has no data (it carries no traffic)', async () => {
    const metrics = new MemoryMetrics().healthy('address-service').set('p99', BLUE, undefined);

    const result = await analyse(metrics);

    expect(result.verdict).toBe('pass');
    expect(result.checks[1]).toMatchObject({ name: 'p99-latency', verdict: 'not-compared', canary: 49.75 });
    expect(result.reason).toBe('green passed 1 of 2 checks on 500 requests');
  });

  it('is inconclusive, with the reason, when Prometheus cannot answer', async () => {
    const metrics = new MemoryMetrics();
    metrics.fail = 'Prometheus at http://prometheus:9090 is unreachable (ECONNREFUSED)';

    const result = await analyse(metrics);

    expect(result.verdict).toBe('inconclusive');
    expect(result.requests).toBeUndefined();
    expect(result.reason).toBe(
      'Prometheus could not answer (Prometheus at http://prometheus:9090 is unreachable (ECONNREFUSED)); the step holds and the analysis is retried next interval',
    );
  });

  it('is inconclusive without a metrics source', async () => {
    expect((await analyse(undefined)).reason).toBe(
      'no Prometheus is configured for address-service; set canary.prometheus in gray.config.yaml',
    );
  });

  it('runs extra checks, fixed and relative to the live slot, with placeholders filled', async () => {
    const errors =
      'sum(rate(app_errors_total{destination_workload="{{ workload }}",ns="{{namespace}}"}[{{window}}]))';
    const svc = service({
      latency: { p99MaxMs: 200 },
      checks: [
        { name: 'app-errors', query: errors, comparison: '<', threshold: 1, unit: 'req/s' },
        {
          name: 'cpu',
          query: 'sum(cpu{destination_workload="{{workload}}"})',
          comparison: '<=',
          threshold: 1.5,
          relativeTo: 'live',
        },
      ],
    });
    const metrics = new MemoryMetrics().healthy('address-service');
    const errorsKind = 'sum(rate(app_errors_total{,ns="happyride"}[300s]))';
    metrics.set(errorsKind, GREEN, 0.5).set(errorsKind, BLUE, 0.1);
    metrics.set('sum(cpu{})', GREEN, 2).set('sum(cpu{})', BLUE, 1);

    const result = await analyse(metrics, svc);

    expect(result.checks.map((c) => [c.name, c.verdict, c.bound])).toEqual([
      ['success-rate', 'pass', 99],
      ['p99-latency', 'pass', 200],
      ['app-errors', 'pass', 1],
      ['cpu', 'fail', 1.5],
    ]);
    expect(result.reason).toBe('green cpu 2 (needs ≤ 1.5 × blue (1.5))');
    expect(metrics.asked).toContain(
      'sum(rate(app_errors_total{destination_workload="address-service-green",ns="happyride"}[300s]))',
    );
  });
});

describe('judgeCheck', () => {
  const spec = { name: 'x', query: '', unit: '', comparison: '>' as const, threshold: 2, relative: false };

  it.each([
    [3, 'pass'],
    [2, 'fail'],
    [undefined, 'no-data'],
  ])('judges %s against > 2 as %s', (value, verdict) => {
    expect(judgeCheck(spec, value, 1).verdict).toBe(verdict);
  });
});

describe('decideCanary', () => {
  const state = { steps: [1, 5, 25, 100], stepIndex: 1, failures: 1, failureLimit: 3 };

  it('advances on a pass and resets nothing else', () => {
    expect(decideCanary(state, 'pass')).toEqual({ kind: 'advance', stepIndex: 2, weight: 25 });
  });

  it('promotes when the last step passes', () => {
    expect(decideCanary({ ...state, stepIndex: 3 }, 'pass')).toEqual({ kind: 'promote' });
  });

  it('holds on a failure below the limit and rolls back at it', () => {
    expect(decideCanary(state, 'fail')).toEqual({ kind: 'hold', failures: 2 });
    expect(decideCanary({ ...state, failures: 2 }, 'fail')).toEqual({ kind: 'rollback', failures: 3 });
  });

  it('holds on an inconclusive analysis without counting it', () => {
    expect(decideCanary(state, 'inconclusive')).toEqual({ kind: 'hold', failures: 1 });
  });
});

describe('renderQuery', () => {
  it('refuses an unknown placeholder', () => {
    expect(() =>
      renderQuery('up{pod="{{pod}}"}', {
        service: 's',
        namespace: 'n',
        slot: 'green',
        workload: 's-green',
        window: '60s',
      }),
    ).toThrow(
      'canary query: unknown placeholder {{pod}}; use {{workload}}, {{namespace}}, {{service}}, {{slot}} or {{window}}',
    );
  });
});
