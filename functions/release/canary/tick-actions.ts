/**
 * What a canary tick does after a passing or finally failing analysis, each through the existing use
 * case under the tick's operation id (which holds the service lock): shiftWeight, promote (or an
 * approval request, as /gray promote would make), rollback.
 */
import { toGrayError } from '../errors.js';
import { approvalNeeded } from '../policy.js';
import { promote } from '../promote.js';
import { requestOperation } from '../request.js';
import { rollback } from '../rollback.js';
import { shiftWeight } from '../shift-weight.js';
import type { CanaryAnalysis, CanaryState } from './model.js';
import { describeStep } from './progress.js';
import {
  baseCanary,
  CANARY_ACTOR,
  type CanaryUpdate,
  canaryUpdate,
  claimTickLock,
  saveCanary,
  type TickContext,
} from './tick-state.js';

/**
 * Records that an action the analysis asked for could not run (the use case released the lock, so it
 * is claimed again under the same id): the numbers, the failures and the reason; retried next interval.
 * Returns undefined when another operation took the service in between.
 */
async function recordProblem(
  ctx: TickContext,
  analysis: CanaryAnalysis,
  failures: number,
  problem: string,
  notify: boolean,
): Promise<CanaryUpdate | undefined> {
  const { deps, service, now } = ctx;
  if (!(await claimTickLock(ctx, service.name, 60))) return undefined;
  const record = await deps.store.get(service.name);
  if (!record?.canary) return undefined;
  const canary: CanaryState = {
    ...baseCanary(record.canary),
    failures,
    last: analysis,
    nextCheckAt: now + record.canary.intervalSeconds,
    note: `${problem}; retried next interval`,
  };
  const next = await saveCanary(ctx, record, canary);
  return canaryUpdate(next, `❌ ${service.name}: canary ${canary.note}`, notify);
}

/** Moves the new slot to the next step's weight with shiftWeight; the canary's step is committed with it. */
export async function advanceCanary(
  ctx: TickContext,
  analysis: CanaryAnalysis,
  stepIndex: number,
  weight: number,
): Promise<CanaryUpdate | undefined> {
  const { canary, service, now } = ctx;
  const from = canary.steps[canary.stepIndex];
  try {
    const done = await shiftWeight(ctx.deps, {
      service: service.name,
      actor: CANARY_ACTOR,
      operationId: ctx.operationId,
      weight,
      // The passing analysis is the gate for every step after the first.
      approved: true,
      amend: (draft, result) => {
        if (result !== 'succeeded' || !draft.canary) return;
        draft.canary = {
          ...baseCanary(draft.canary),
          stepIndex,
          failures: 0,
          last: analysis,
          nextCheckAt: now + canary.intervalSeconds,
        };
      },
    });
    if (done.kind !== 'done') return undefined;
    const at = done.record.canary ? describeStep(done.record.canary) : `${weight}%`;
    return canaryUpdate(
      done.record,
      `✅ ${service.name}: canary analysis passed at ${from}% (${analysis.reason}); ${canary.slot} now has ${weight}%, ${at}`,
      false,
    );
  } catch (error) {
    return recordProblem(
      ctx,
      analysis,
      0,
      `could not move ${canary.slot} to ${weight}%: ${toGrayError(error).message}`,
      false,
    );
  }
}

/**
 * The last step passed: promote at once when the service's policy lets it, else ask for approval the
 * way /gray promote does (requested by whoever started the canary) and wait.
 */
export async function promoteCanary(
  ctx: TickContext,
  analysis: CanaryAnalysis,
): Promise<CanaryUpdate | undefined> {
  const { canary, service, record, now, deps } = ctx;
  const need = approvalNeeded(service, { verb: 'promote', service: service.name }, record);
  if (!need) {
    try {
      const done = await promote(deps, {
        service: service.name,
        actor: CANARY_ACTOR,
        operationId: ctx.operationId,
        amend: (draft, result) => {
          if (result !== 'succeeded' || !draft.canary) return;
          draft.canary = {
            ...baseCanary(draft.canary),
            status: 'promoted',
            last: analysis,
            note: `all ${canary.steps.length} steps passed`,
            endedAt: now,
          };
        },
      });
      return canaryUpdate(
        done.record,
        `🚀 ${service.name}: canary passed all ${canary.steps.length} steps; ${done.message}`,
        true,
      );
    } catch (error) {
      return recordProblem(ctx, analysis, 0, `could not promote: ${toGrayError(error).message}`, true);
    }
  }
  const held = {
    ...baseCanary(canary),
    failures: 0,
    last: analysis,
    nextCheckAt: now + canary.intervalSeconds,
  };
  if (!record.channel) {
    const note = `all steps passed; promotion needs approval (${need.reason}): run /gray promote ${service.name}`;
    const next = await saveCanary(ctx, record, { ...held, status: 'paused', note });
    return canaryUpdate(next, `🙋 ${service.name}: canary ${note}`, true);
  }
  try {
    const result = await requestOperation(deps, {
      command: { verb: 'promote', service: service.name },
      actor: canary.startedBy,
      channel: record.channel,
    });
    if (result.kind !== 'approval-requested')
      throw new Error(`promotion was ${result.kind}, not held for approval`);
    const note = `all ${canary.steps.length} steps passed; waiting for an approver to promote (${need.reason})`;
    const next = await saveCanary(ctx, record, {
      ...held,
      status: 'awaiting-approval',
      approvalId: result.approval.approvalId,
      note,
    });
    return canaryUpdate(next, `🙋 ${service.name}: canary ${note}`, true, { approval: result.approval });
  } catch (error) {
    const note = `all steps passed but the promotion could not be requested: ${toGrayError(error).message}`;
    const next = await saveCanary(ctx, record, { ...held, status: 'paused', note });
    return canaryUpdate(next, `❌ ${service.name}: canary ${note}`, true);
  }
}

/** failureLimit analyses failed in a row: all traffic back to the live slot with rollback, the numbers recorded. */
export async function rollBackCanary(
  ctx: TickContext,
  analysis: CanaryAnalysis,
  failures: number,
): Promise<CanaryUpdate | undefined> {
  const { canary, service, now } = ctx;
  const note = `rolled back after ${failures} failed analyses in a row: ${analysis.reason}`;
  try {
    const done = await rollback(ctx.deps, {
      service: service.name,
      actor: CANARY_ACTOR,
      operationId: ctx.operationId,
      amend: (draft, result) => {
        if (result !== 'succeeded' || !draft.canary) return;
        draft.canary = {
          ...baseCanary(draft.canary),
          status: 'rolled-back',
          failures,
          last: analysis,
          note,
          endedAt: now,
        };
      },
    });
    return canaryUpdate(
      done.record,
      `⏪ ${service.name}: canary of ${canary.slot} ${canary.version} ${note}. ${done.message}`,
      true,
    );
  } catch (error) {
    return recordProblem(ctx, analysis, failures, `could not roll back: ${toGrayError(error).message}`, true);
  }
}
