import { findService } from '../config.js';
import { planWeights, readWeights } from '../istio/virtual-service.js';
import { parseWeight } from './arguments.js';
import { type OperationDone, type OperationInput, type ReleaseDeps, runOperation } from './context.js';
import { GrayError } from './errors.js';
import {
  awaitChecks,
  ensureSubset,
  listSlots,
  requireRecordedReady,
  requireSlotsReady,
} from './readiness.js';
import { virtualServiceRef } from './refs.js';
import { otherSlot, type Weights } from './types.js';

/** Input of shiftWeight: `weight` is the new slot's share, a whole percent (string forms accepted). */
export interface ShiftWeightInput extends OperationInput {
  weight: number | string;
  /** True when an approver already approved a step above the service's max step. */
  approved?: boolean;
}

/** Returned instead of acting when the service's policy wants an approver first. */
export interface ApprovalRequired {
  kind: 'approval-required';
  service: string;
  action: string;
  summary: string;
  reason: string;
  before: Weights;
  after: Weights;
}

/**
 * shiftWeight(service, weight): the new slot (the one not live) gets `weight` percent and the live
 * slot `100 − weight`, both written explicitly in the default route: one LIST of the slots'
 * Deployments and one guarded JSON Patch (the VirtualService is planned on the adapter's last copy
 * when it has one). Refused when a slot that gets traffic is missing, runs another version than
 * recorded or has no available replicas. A step above `maxWeightStep` returns
 * ApprovalRequired unless `approved`. Throws InvalidInputError, SlotNotReadyError, ReleaseRefusedError.
 */
export async function shiftWeight(
  deps: ReleaseDeps,
  input: ShiftWeightInput,
): Promise<OperationDone | ApprovalRequired> {
  const weight = parseWeight(input.weight);
  const service = findService(deps.config, input.service);
  // The slots' LIST runs while the lock and the record are fetched; the record, read under the lock,
  // still decides (a slot gray tore down or is redeploying is refused by requireRecordedReady).
  const listed = listSlots({ service, cluster: deps.clusterFor(service) });
  try {
    return await runOperation(
      deps,
      { ...input, action: 'weight', summary: `weight ${weight}`, budgetSeconds: 120 },
      async (ctx) => {
        const { draft } = ctx;
        const target = otherSlot(draft.live);
        // Checked under the lock on the loaded (or just adopted) record, so a first use is covered too.
        const step = Math.abs(weight - draft.weights[target]);
        if (
          !input.approved &&
          service.approvalRequired.includes('weight-step') &&
          step > service.maxWeightStep
        ) {
          throw new ApprovalNeededError({
            kind: 'approval-required',
            service: service.name,
            action: 'weight',
            summary: `weight ${weight}`,
            reason: `a step of ${step} points is above ${service.name}'s max step of ${service.maxWeightStep} without approval`,
            before: { ...draft.weights },
            after: { [draft.live]: 100 - weight, [target]: weight } as unknown as Weights,
          });
        }
        if (weight > 0) requireRecordedReady(ctx, target, 'weight');
        // Both slots get traffic unless the weight is 0 or 100: each must exist, run its recorded
        // version and have available pods (one LIST for both), and have its subset, before the route
        // points at it. The subsets are read only until the record notes them (ensureSubset).
        const carrying = [...(weight > 0 ? [target] : []), ...(weight < 100 ? [draft.live] : [])];
        await awaitChecks([requireSlotsReady(ctx, carrying, 'weight', false, listed), ensureSubset(ctx)]);
        const weights = { [draft.live]: 100 - weight, [target]: weight } as unknown as Weights;
        const after = await ctx.cluster.edit(
          virtualServiceRef(ctx.service),
          planWeights(ctx.service, weights),
        );
        draft.weights = readWeights(ctx.service, after);
        draft.phase =
          weight > 0
            ? 'shifting'
            : draft.headerRoute
              ? 'ready'
              : draft.phase === 'shifting'
                ? 'ready'
                : draft.phase;
        return `${service.name}: ${draft.live} ${draft.weights[draft.live]}% / ${target} ${draft.weights[target]}%`;
      },
    );
  } catch (error) {
    if (error instanceof ApprovalNeededError) return error.request;
    throw error;
  }
}

/** Raised inside the lock when a step needs an approver; the use case turns it into ApprovalRequired. */
class ApprovalNeededError extends GrayError {
  /** `request` is what shiftWeight returns. */
  constructor(readonly request: ApprovalRequired) {
    super('approval_required', `${request.summary} needs approval: ${request.reason}`);
  }
}
