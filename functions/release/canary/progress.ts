/**
 * The canary's state machine, pure: what a verdict does to the plan, when the sweeper looks at a
 * canary, and how to tell that the release moved on without it.
 */
import { clockTime } from '../context.js';
import type { ReleaseRecord } from '../types.js';
import { type CanaryAnalysis, type CanaryState, type CanaryStatus, isCanaryActive } from './model.js';

/** What to do after an analysis. */
export type CanaryDecision =
  /** Passed, and a step is left: move the new slot to `weight` (steps[stepIndex]). */
  | { kind: 'advance'; stepIndex: number; weight: number }
  /** The last step passed: promote (through the approval policy). */
  | { kind: 'promote' }
  /** Inconclusive, or failed fewer than failureLimit times in a row: keep the weight. */
  | { kind: 'hold'; failures: number }
  /** Failed failureLimit times in a row: send all traffic back to the live slot. */
  | { kind: 'rollback'; failures: number };

/**
 * decideCanary(state, verdict): pass → next step (failures reset) or promote after the last; fail →
 * one more failure in a row, rollback at failureLimit; inconclusive → hold, failures unchanged.
 */
export function decideCanary(
  state: Pick<CanaryState, 'steps' | 'stepIndex' | 'failures' | 'failureLimit'>,
  verdict: CanaryAnalysis['verdict'],
): CanaryDecision {
  if (verdict === 'pass') {
    const next = state.stepIndex + 1;
    const weight = state.steps[next];
    return weight === undefined ? { kind: 'promote' } : { kind: 'advance', stepIndex: next, weight };
  }
  if (verdict === 'fail') {
    const failures = state.failures + 1;
    return failures >= state.failureLimit ? { kind: 'rollback', failures } : { kind: 'hold', failures };
  }
  return { kind: 'hold', failures: state.failures };
}

/**
 * How the canary ended if the release moved on without it, from the record alone: the new slot was
 * promoted, rolled back, redeployed or torn down, or its weight is not the current step's. Undefined
 * while the canary still owns the release.
 */
export function canaryEndedOutside(
  record: ReleaseRecord,
): { status: CanaryStatus; note: string } | undefined {
  const canary = record.canary;
  if (!isCanaryActive(canary)) return undefined;
  const slot = record.slots[canary.slot];
  if (!slot || slot.version !== canary.version || slot.status === 'deleted' || slot.status === 'failed') {
    return { status: 'cancelled', note: `${canary.slot} no longer runs ${canary.version}` };
  }
  if (record.live === canary.slot) {
    return {
      status: 'promoted',
      note: `${canary.slot} ${canary.version} was promoted${canary.status === 'awaiting-approval' ? ' after approval' : ''}`,
    };
  }
  if (record.phase === 'rolled-back') {
    return { status: 'cancelled', note: 'the release was rolled back outside the canary' };
  }
  const step = canary.steps[canary.stepIndex];
  const weight = record.weights[canary.slot];
  if (weight !== step) {
    return {
      status: 'cancelled',
      note: `${canary.slot}'s weight was changed to ${weight}% outside the canary (its step was ${step}%)`,
    };
  }
  return undefined;
}

/**
 * True when the sweeper has something to do for the record's canary at `now` (epoch seconds): a
 * running or approval-waiting canary whose next check is due, or any active one whose release moved on.
 */
export function canaryDue(record: ReleaseRecord, now: number): boolean {
  const canary = record.canary;
  if (!isCanaryActive(canary)) return false;
  if (canaryEndedOutside(record)) return true;
  return canary.status !== 'paused' && canary.nextCheckAt <= now;
}

/** `step 2 of 5 (5%)`: where the plan stands. */
export function describeStep(canary: Pick<CanaryState, 'steps' | 'stepIndex'>): string {
  return `step ${canary.stepIndex + 1} of ${canary.steps.length} (${canary.steps[canary.stepIndex]}%)`;
}

/** `next analysis at 10:05 UTC`. */
export function describeNextCheck(canary: Pick<CanaryState, 'nextCheckAt'>): string {
  return `next analysis at ${clockTime(canary.nextCheckAt)}`;
}

/**
 * One line on an active canary for status views, undefined when none runs: `running, step 2 of 5
 * (5%), next analysis at 10:05 UTC` · `paused at step 2 of 5 (5%): paused by U123` · `awaiting
 * approval to promote after step 5 of 5 (100%)`; the last analysis's verdict is added when there is one.
 */
export function describeCanary(canary: CanaryState | undefined): string | undefined {
  if (!isCanaryActive(canary)) return undefined;
  const step = describeStep(canary);
  const last = canary.last ? `; last analysis: ${canary.last.verdict} (${canary.last.reason})` : '';
  if (canary.status === 'paused') return `paused at ${step}${canary.note ? `: ${canary.note}` : ''}${last}`;
  if (canary.status === 'awaiting-approval') return `awaiting approval to promote after ${step}${last}`;
  return `running, ${step}, ${describeNextCheck(canary)}${last}`;
}
