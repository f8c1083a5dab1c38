/**
 * The PromQL gray asks Prometheus for one slot: Istio's standard series by destination workload
 * (`<svc>-blue` / `<svc>-green`), reported by the destination's sidecar (as Flagger's built-in
 * request-success-rate and request-duration checks). Pure.
 */
import type { CanaryConfig, ServiceConfig } from '../../config.js';
import { InvalidInputError } from '../errors.js';
import type { Slot } from '../types.js';
import type { Comparison } from './model.js';

/** What a check's query is filled with for one slot. */
export interface QueryVars {
  service: string;
  namespace: string;
  slot: Slot;
  /** `<service>-<slot>`: Istio's `destination_workload`. */
  workload: string;
  /** PromQL range, e.g. `300s`. */
  window: string;
}

/** A check to run for both slots: a query template, how to compare, and the bound. */
export interface CheckSpec {
  name: string;
  /** PromQL with `{{workload}}`-style placeholders (see QueryVars). */
  query: string;
  comparison: Comparison;
  threshold: number;
  /** True: the bound is threshold × the live slot's value. */
  relative: boolean;
  unit: string;
}

const SELECTOR =
  'reporter="destination",destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}"';

/** Requests the slot served in the window (a count; empty when the series do not exist). */
export const REQUESTS_QUERY = `sum(increase(istio_requests_total{${SELECTOR}}[{{window}}]))`;

/**
 * Percent of the slot's requests that were not 5xx; no data without requests. The `or vector(0)`
 * keeps a slot that answers only 5xx at 0% (its non-5xx series do not exist) instead of no data.
 */
export const SUCCESS_RATE_QUERY = `(sum(rate(istio_requests_total{${SELECTOR},response_code!~"5.."}[{{window}}])) or vector(0)) / sum(rate(istio_requests_total{${SELECTOR}}[{{window}}])) * 100`;

/** The slot's p99 request duration, milliseconds. */
export const P99_QUERY = `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${SELECTOR}}[{{window}}])))`;

/** The variables of a query for one slot of the service, with the canary's window. */
export function queryVars(
  service: Pick<ServiceConfig, 'name' | 'namespace'>,
  slot: Slot,
  windowSeconds: number,
): QueryVars {
  return {
    service: service.name,
    namespace: service.namespace,
    slot,
    workload: `${service.name}-${slot}`,
    window: `${windowSeconds}s`,
  };
}

/** Fills `{{name}}` placeholders (spaces allowed inside the braces); throws InvalidInputError for an unknown one. */
export function renderQuery(template: string, vars: QueryVars): string {
  return template.replace(/\{\{\s*([^}\s]*)\s*\}\}/g, (_, name: string) => {
    if (!Object.hasOwn(vars, name)) {
      throw new InvalidInputError(
        `canary query: unknown placeholder {{${name}}}; use {{workload}}, {{namespace}}, {{service}}, {{slot}} or {{window}}`,
      );
    }
    return vars[name as keyof QueryVars];
  });
}

/**
 * The checks of a service's canary: success rate ≥ successRate.min (percent, fixed), p99 ≤
 * p99MaxRatio × live p99 and/or ≤ p99MaxMs, then the configured extra checks, in that order.
 */
export function canaryChecks(settings: CanaryConfig): CheckSpec[] {
  const checks: CheckSpec[] = [
    {
      name: 'success-rate',
      query: SUCCESS_RATE_QUERY,
      comparison: '>=',
      threshold: settings.successRate.min,
      relative: false,
      unit: '%',
    },
  ];
  const { p99MaxRatio, p99MaxMs } = settings.latency;
  if (p99MaxRatio !== undefined) {
    checks.push({
      name: 'p99-latency',
      query: P99_QUERY,
      comparison: '<=',
      threshold: p99MaxRatio,
      relative: true,
      unit: 'ms',
    });
  }
  if (p99MaxMs !== undefined) {
    checks.push({
      name: 'p99-latency',
      query: P99_QUERY,
      comparison: '<=',
      threshold: p99MaxMs,
      relative: false,
      unit: 'ms',
    });
  }
  for (const extra of settings.checks) {
    checks.push({
      name: extra.name,
      query: extra.query,
      comparison: extra.comparison,
      threshold: extra.threshold,
      relative: extra.relativeTo === 'live',
      unit: extra.unit,
    });
  }
  return checks;
}
