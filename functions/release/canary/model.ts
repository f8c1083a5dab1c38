/**
 * The canary's state on the release record and the results of one analysis. Times are epoch seconds,
 * weights whole percents for the new slot.
 */
import type { Slot } from '../types.js';

/**
 * Where a canary stands. `running`, `paused` and `awaiting-approval` are active; the rest are final
 * and kept on the record so the canary's message can show how it ended.
 */
export type CanaryStatus =
  /** An analysis runs every interval; a pass moves to the next step. */
  | 'running'
  /** Held by a user: no analysis, no step, until resume. */
  | 'paused'
  /** The last step passed; the promotion waits for an approver (the service's approvalRequired). */
  | 'awaiting-approval'
  /** The new slot was promoted (by the canary, an approver, or by hand). */
  | 'promoted'
  /** `failureLimit` analyses failed in a row; gray sent all traffic back to the live slot. */
  | 'rolled-back'
  /** A user aborted the canary; all traffic went back to the live slot. */
  | 'aborted'
  /** The release moved on outside the canary (weights changed by hand, a new deploy, a rollback). */
  | 'cancelled';

/** Statuses in which the sweeper still looks at the canary. */
export const ACTIVE_CANARY: readonly CanaryStatus[] = ['running', 'paused', 'awaiting-approval'];

/** How a metric is compared with its bound. */
export type Comparison = '<' | '<=' | '>' | '>=';

/** One check's outcome for the new slot, with the live slot's value for comparison. */
export interface CheckResult {
  /** `success-rate`, `p99-latency`, or an extra check's name. */
  name: string;
  /** Display unit: `%`, `ms` or the check's own. */
  unit: string;
  comparison: Comparison;
  threshold: number;
  /** True when the bound is threshold × the live slot's value. */
  relative: boolean;
  /** The new slot's value; absent when Prometheus had no data. */
  canary?: number;
  /** The live slot's value; absent when Prometheus had no data. */
  live?: number;
  /** The bound the new slot's value was held to (threshold, or threshold × live). */
  bound?: number;
  /**
   * `pass`/`fail`; `no-data`: the new slot had no value (inconclusive); `not-compared`: a relative
   * check whose live slot had no data (it carries no traffic), which neither passes nor fails.
   */
  verdict: 'pass' | 'fail' | 'no-data' | 'not-compared';
}

/** The outcome of one analysis: pass (next step), fail (counts toward failureLimit) or inconclusive (hold). */
export interface CanaryAnalysis {
  /** Epoch seconds (the release clock) when the analysis ran. */
  at: number;
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** One line for people: which checks failed and by how much, or why it is inconclusive. */
  reason: string;
  /** Range of the queries, seconds. */
  windowSeconds: number;
  /** Requests each slot served in the window (absent when Prometheus could not be asked). */
  requests?: { canary: number; live: number };
  /** Requests the new slot needs in the window for a conclusive analysis. */
  minRequests: number;
  checks: CheckResult[];
}

/** The canary kept on the ReleaseRecord (`record.canary`). */
export interface CanaryState {
  status: CanaryStatus;
  /** The new slot under analysis (the one not live when the canary started). */
  slot: Slot;
  /** Version the new slot runs; a different one means a new deploy replaced it. */
  version: string;
  /** Weights of the plan, whole percents ending at the maximum weight. */
  steps: number[];
  /** Index in `steps` of the weight the new slot has now. */
  stepIndex: number;
  intervalSeconds: number;
  /** Epoch seconds of the next analysis (or approval check). */
  nextCheckAt: number;
  /** Failed analyses in a row; inconclusive ones neither add nor reset. */
  failures: number;
  failureLimit: number;
  /** Who started it (requester of the promotion approval) and when (epoch seconds). */
  startedBy: string;
  startedAt: number;
  /** The operation that started it: its Slack message is the canary's message, edited each step. */
  operationId: string;
  /** The latest analysis, with its numbers. */
  last?: CanaryAnalysis;
  /** Why the canary holds or how it ended, in words (`paused by U123`, `rolled back after 3 failures`). */
  note?: string;
  /** The pending promotion approval, while `awaiting-approval`. */
  approvalId?: string;
  /** Epoch seconds when it reached a final status. */
  endedAt?: number;
}

/** True while the sweeper still drives the canary. */
export function isCanaryActive(canary: CanaryState | undefined): canary is CanaryState {
  return canary !== undefined && ACTIVE_CANARY.includes(canary.status);
}
