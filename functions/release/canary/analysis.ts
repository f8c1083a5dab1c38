/**
 * One canary analysis: the new slot's metrics against their bounds, with the live slot's for
 * comparison. Too little traffic or a Prometheus error is inconclusive, never a pass (as Kayenta
 * scores a run without enough data 0). Pure apart from the MetricsSource port.
 */
import { canarySettings, type ServiceConfig } from '../../config.js';
import { formatDuration } from '../duration.js';
import { toGrayError } from '../errors.js';
import type { MetricsSource } from '../ports.js';
import { otherSlot, type Slot } from '../types.js';
import { checkLabel, describeFailure } from './format.js';
import type { CanaryAnalysis, CheckResult, Comparison } from './model.js';
import { type CheckSpec, canaryChecks, queryVars, REQUESTS_QUERY, renderQuery } from './queries.js';

/** Keeps a value storable (DynamoDB has no NaN or Infinity): NaN → no data, ±Inf → ±Number.MAX_VALUE. */
function storable(value: number | undefined): number | undefined {
  if (value === undefined || Number.isNaN(value)) return undefined;
  if (value === Number.POSITIVE_INFINITY) return Number.MAX_VALUE;
  if (value === Number.NEGATIVE_INFINITY) return -Number.MAX_VALUE;
  return value;
}

/** True when `value comparison bound` holds. */
export function compareMetric(value: number, comparison: Comparison, bound: number): boolean {
  switch (comparison) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
  }
}

/** Judges one check from the two slots' values (either may be missing). Pure. */
export function judgeCheck(
  spec: CheckSpec,
  canary: number | undefined,
  live: number | undefined,
): CheckResult {
  const base = {
    name: spec.name,
    unit: spec.unit,
    comparison: spec.comparison,
    threshold: spec.threshold,
    relative: spec.relative,
    ...(canary !== undefined ? { canary } : {}),
    ...(live !== undefined ? { live } : {}),
  };
  if (spec.relative && live === undefined) return { ...base, verdict: 'not-compared' };
  const bound = spec.relative ? spec.threshold * live! : spec.threshold;
  if (canary === undefined) return { ...base, bound, verdict: 'no-data' };
  return { ...base, bound, verdict: compareMetric(canary, spec.comparison, bound) ? 'pass' : 'fail' };
}

/**
 * Runs the analysis of `slot` (the new slot) of `service` against its live slot: the request count,
 * then every check for both slots, all queries at once. `at` is the release clock's epoch seconds,
 * recorded on the result; the queries run at the source's own now. Never throws: a Prometheus error
 * or a missing source is an inconclusive result that says why.
 */
export async function analyseCanary(
  source: MetricsSource | undefined,
  input: { service: ServiceConfig; slot: Slot; at: number },
): Promise<CanaryAnalysis> {
  const settings = canarySettings(input.service);
  const slot = input.slot;
  const live = otherSlot(slot);
  const specs = canaryChecks(settings);
  const base = { at: input.at, windowSeconds: settings.window, minRequests: settings.minRequests };
  if (!source) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `no Prometheus is configured for ${input.service.name}; set canary.prometheus in gray.config.yaml`,
      checks: [],
    };
  }
  const vars = {
    canary: queryVars(input.service, slot, settings.window),
    live: queryVars(input.service, live, settings.window),
  };
  // Identical queries (p99 for a ratio and a fixed bound) are asked once.
  const asked = new Map<string, Promise<number | undefined>>();
  const ask = (template: string, side: 'canary' | 'live') => {
    const promql = renderQuery(template, vars[side]);
    let pending = asked.get(promql);
    if (!pending) {
      pending = source.query(promql).then(storable);
      asked.set(promql, pending);
    }
    return pending;
  };
  const requests = Promise.all([ask(REQUESTS_QUERY, 'canary'), ask(REQUESTS_QUERY, 'live')]);
  const values = specs.map((spec) => Promise.all([ask(spec.query, 'canary'), ask(spec.query, 'live')]));
  const settled = await Promise.allSettled([requests, ...values]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const pair = (i: number) => {
    const s = settled[i];
    return s?.status === 'fulfilled' ? s.value : [undefined, undefined];
  };
  const checks = specs.map((spec, i) => {
    const [canaryValue, liveValue] = pair(i + 1);
    return judgeCheck(spec, canaryValue, liveValue);
  });
  if (failed) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `Prometheus could not answer (${toGrayError(failed.reason).message}); the step holds and the analysis is retried next interval`,
      checks,
    };
  }
  const [canaryRequests = 0, liveRequests = 0] = pair(0);
  const counted = { ...base, requests: { canary: canaryRequests, live: liveRequests }, checks };
  if (canaryRequests < settings.minRequests) {
    return {
      ...counted,
      verdict: 'inconclusive',
      reason: `only ${Math.round(canaryRequests)} requests reached ${slot} in the last ${formatDuration(settings.window)}; at least ${settings.minRequests} are needed, so the step holds`,
    };
  }
  const missing = checks.filter((c) => c.verdict === 'no-data');
  if (missing.length > 0) {
    return {
      ...counted,
      verdict: 'inconclusive',
      reason: `Prometheus has no data for ${slot} ${missing.map((c) => checkLabel(c.name)).join(', ')}; the step holds`,
    };
  }
  const failures = checks.filter((c) => c.verdict === 'fail');
  if (failures.length > 0) {
    return {
      ...counted,
      verdict: 'fail',
      reason: failures.map((c) => describeFailure(c, slot, live)).join('; '),
    };
  }
  const passed = checks.filter((c) => c.verdict === 'pass').length;
  return {
    ...counted,
    verdict: 'pass',
    reason: `${slot} passed ${passed} of ${checks.length} checks on ${Math.round(canaryRequests)} requests`,
  };
}
