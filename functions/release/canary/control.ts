/**
 * pauseCanary, resumeCanary, abortCanary: a person steering a running canary. None needs approval
 * (abort only returns traffic to the slot that already serves it).
 */
import { findService } from '../../config.js';
import {
  clockTime,
  type OperationDone,
  type OperationInput,
  type ReleaseDeps,
  runOperation,
} from '../context.js';
import { ReleaseRefusedError } from '../errors.js';
import type { OperationStore } from '../operations.js';
import { nowSeconds } from '../ports.js';
import { rollback } from '../rollback.js';
import type { ReleaseRecord } from '../types.js';
import { refuse, withServiceLock } from './lock.js';
import { type CanaryState, isCanaryActive } from './model.js';
import { canaryEndedOutside, describeStep } from './progress.js';

/** The active canary of a draft, or a ReleaseRefusedError saying there is none (or it already ended). */
function activeCanary(record: ReleaseRecord, verb: string): CanaryState {
  const canary = record.canary;
  if (!isCanaryActive(canary) || canaryEndedOutside(record)) {
    const ended = canary ? ` (the last one ended: ${canary.status})` : '';
    throw new ReleaseRefusedError(
      `canary ${verb}: ${record.service} has no canary running${ended}; start one with /gray canary ${record.service}`,
    );
  }
  return canary;
}

/**
 * pauseCanary(service): a running (or approval-waiting) canary stops analysing and stepping until
 * resumed; the weight stays. Throws ReleaseRefusedError when no canary is active or it is already paused.
 */
export async function pauseCanary(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  return runOperation(
    deps,
    { ...input, action: 'canary-pause', summary: 'canary pause', budgetSeconds: 60 },
    async ({ draft }) => {
      const canary = activeCanary(draft, 'pause');
      if (canary.status === 'paused') {
        throw new ReleaseRefusedError(
          `canary pause: ${draft.service}'s canary is already paused; /gray canary ${draft.service} resume to continue`,
        );
      }
      const { approvalId: _dropped, ...rest } = canary;
      draft.canary = { ...rest, status: 'paused', note: `paused by ${input.actor}` };
      return `paused the canary on ${draft.service} at ${canary.slot} ${describeStep(canary)}; /gray canary ${draft.service} resume to continue`;
    },
  );
}

/**
 * resumeCanary(service): a paused canary runs again; its next analysis is one interval from now (a
 * fresh window). Throws ReleaseRefusedError when it is not paused.
 */
export async function resumeCanary(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  return runOperation(
    deps,
    { ...input, action: 'canary-resume', summary: 'canary resume', budgetSeconds: 60 },
    async ({ draft, startedAt }) => {
      const canary = activeCanary(draft, 'resume');
      if (canary.status !== 'paused') {
        throw new ReleaseRefusedError(
          `canary resume: ${draft.service}'s canary is ${canary.status}, not paused`,
        );
      }
      const { note: _note, ...rest } = canary;
      const next = { ...rest, status: 'running' as const, nextCheckAt: startedAt + canary.intervalSeconds };
      draft.canary = next;
      return `resumed the canary on ${draft.service} at ${canary.slot} ${describeStep(canary)}; next analysis at ${clockTime(next.nextCheckAt)}`;
    },
  );
}

/**
 * abortCanary(service): ends the canary and sends all traffic back to the live slot with the rollback
 * use case (in the same commit). A promotion approval the canary asked for is rejected when `deps`
 * carry the operation store (the worker's do), so a late Approve cannot promote the aborted version.
 * Throws ReleaseRefusedError when no canary is active, and rollback's errors.
 */
export async function abortCanary(
  deps: ReleaseDeps & { operations?: OperationStore },
  input: OperationInput,
): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  const audit = {
    service: service.name,
    actor: input.actor,
    action: 'canary-abort',
    summary: 'canary abort',
  };
  return withServiceLock(
    deps,
    service,
    {
      ...(input.operationId ? { operationId: input.operationId } : {}),
      action: audit.action,
      summary: audit.summary,
      actor: input.actor,
      budgetSeconds: service.rolloutTimeout + 120,
    },
    async (operationId) => {
      const record = await deps.store.get(service.name);
      try {
        activeCanary(record ?? ({ service: service.name } as ReleaseRecord), 'abort');
      } catch (error) {
        throw await refuse(deps, { ...audit, operationId }, (error as Error).message);
      }
      const approvalId = record?.canary?.approvalId;
      const done = await rollback(deps, {
        ...input,
        operationId,
        amend: (draft, result) => {
          if (result !== 'succeeded' || !draft.canary) return;
          const { approvalId: _dropped, ...rest } = draft.canary;
          draft.canary = {
            ...rest,
            status: 'aborted',
            note: `aborted by ${input.actor}`,
            endedAt: nowSeconds(deps.clock),
          };
        },
      });
      if (approvalId && deps.operations) {
        const now = nowSeconds(deps.clock);
        await deps.operations.decide(approvalId, 'rejected', input.actor, now).catch(() => undefined);
      }
      return { ...done, message: `aborted the canary on ${service.name}: ${done.message}` };
    },
  );
}
