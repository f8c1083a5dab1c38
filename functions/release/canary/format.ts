/**
 * Words and numbers of a canary analysis, shared by the analysis reasons, the Slack message and the
 * CLI. Pure.
 */
import { formatDuration } from '../duration.js';
import type { Slot } from '../types.js';
import type { CanaryAnalysis, CheckResult } from './model.js';

const LABELS: Record<string, string> = { 'success-rate': 'success rate', 'p99-latency': 'p99 latency' };

/** A check's display name: `success rate`, `p99 latency`, or the extra check's own name. */
export function checkLabel(name: string): string {
  return LABELS[name] ?? name;
}

/** A metric value in its unit: `99.95%`, `49.8 ms`, `0.0123`; values stored for ±Inf show as `+Inf`/`-Inf`. */
export function formatMetric(value: number | undefined, unit: string): string {
  if (value === undefined) return 'no data';
  if (value >= Number.MAX_VALUE) return '+Inf';
  if (value <= -Number.MAX_VALUE) return '-Inf';
  if (unit === '%') return `${value.toFixed(2)}%`;
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  const text = String(Number(value.toPrecision(4)));
  return unit ? `${text} ${unit}` : text;
}

/** `≥ 99.00%`, `≤ 1.2 × blue (59.6 ms)`: the bound a check holds the new slot to. */
export function formatBound(check: CheckResult, live: Slot): string {
  const sign = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' }[check.comparison];
  if (!check.relative) return `${sign} ${formatMetric(check.threshold, check.unit)}`;
  const bound = check.bound === undefined ? '' : ` (${formatMetric(check.bound, check.unit)})`;
  return `${sign} ${check.threshold} × ${live}${bound}`;
}

/** One line per check: `success rate: green 95.00%, blue 100.00% — needs ≥ 99.00% ✗`. */
export function describeCheck(check: CheckResult, slot: Slot, live: Slot): string {
  const mark = { pass: '✓', fail: '✗', 'no-data': '? no data', 'not-compared': '– live has no data' }[
    check.verdict
  ];
  return `${checkLabel(check.name)}: ${slot} ${formatMetric(check.canary, check.unit)}, ${live} ${formatMetric(check.live, check.unit)} — needs ${formatBound(check, live)} ${mark}`;
}

/** `green served 1234 requests, blue 98765 in the last 5m (needs 100)`. */
export function describeRequests(analysis: CanaryAnalysis, slot: Slot, live: Slot): string {
  const window = formatDuration(analysis.windowSeconds);
  if (!analysis.requests) return `requests in the last ${window}: unknown`;
  const { canary, live: liveCount } = analysis.requests;
  return `requests in the last ${window}: ${slot} ${Math.round(canary)}, ${live} ${Math.round(liveCount)} (needs ${analysis.minRequests} on ${slot})`;
}

/** Why a check failed, for the reason line: `green success rate 95.00% (needs ≥ 99.00%; blue 100.00%)`. */
export function describeFailure(check: CheckResult, slot: Slot, live: Slot): string {
  const liveValue = check.relative ? '' : `; ${live} ${formatMetric(check.live, check.unit)}`;
  return `${slot} ${checkLabel(check.name)} ${formatMetric(check.canary, check.unit)} (needs ${formatBound(check, live)}${liveValue})`;
}
