import { findService } from '../config.js';
import { planWeights, readWeights } from '../istio/virtual-service.js';
import { type OperationDone, type OperationInput, type ReleaseDeps, runOperation } from './context.js';
import { InvalidInputError, ReleaseRefusedError } from './errors.js';
import { requireSlotReady } from './readiness.js';
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

/** Parses a whole percent 0–100 (`25`, `"25"`, `"25%"`); throws InvalidInputError for 101, -5, 33.3, abc. */
export function parseWeight(input: number | string): number {
  const text = String(input).trim().replace(/%$/, '');
  if (!/^\d{1,3}$/.test(text) || Number(text) > 100) {
    throw new InvalidInputError(
      `weight "${input}" must be a whole percent from 0 to 100, like /gray weight 25`,
    );
  }
  return Number(text);
}

/**
 * shiftWeight(service, weight): the new slot (the one not live) gets `weight` percent and the live
 * slot `100 − weight`, both written explicitly in the default route (1 read + 1 guarded JSON Patch).
 * Refused when the new slot has no available replicas. A step above `maxWeightStep` returns
 * ApprovalRequired unless `approved`. Throws InvalidInputError, SlotNotReadyError, ReleaseRefusedError.
 */
export async function shiftWeight(
  deps: ReleaseDeps,
  input: ShiftWeightInput,
): Promise<OperationDone | ApprovalRequired> {
  const weight = parseWeight(input.weight);
  const service = findService(deps.config, input.service);
  const record = await deps.store.get(service.name);
  if (record && !input.approved && service.approvalRequired.includes('weight-step')) {
    const target = otherSlot(record.live);
    const step = Math.abs(weight - record.weights[target]);
    if (step > service.maxWeightStep) {
      const after = { [record.live]: 100 - weight, [target]: weight } as unknown as Weights;
      return {
        kind: 'approval-required',
        service: service.name,
        action: 'weight',
        summary: `weight ${weight}`,
        reason: `a step of ${step} points is above ${service.name}'s max step of ${service.maxWeightStep} without approval`,
        before: record.weights,
        after,
      };
    }
  }
  return runOperation(
    deps,
    { ...input, action: 'weight', summary: `weight ${weight}`, budgetSeconds: 120 },
    async (ctx) => {
      const { draft } = ctx;
      const target = otherSlot(draft.live);
      if (!draft.slots[target] || draft.slots[target].status === 'deleted') {
        throw new ReleaseRefusedError(
          `weight: ${service.name} has no release in ${target}; deploy one first with /gray deploy ${service.name} ${target} <version>`,
        );
      }
      if (weight > 0) await requireSlotReady(ctx, target, 'weight');
      const weights = { [draft.live]: 100 - weight, [target]: weight } as unknown as Weights;
      const after = await ctx.cluster.edit(virtualServiceRef(ctx.service), planWeights(ctx.service, weights));
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
}
