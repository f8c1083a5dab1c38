import { findService } from '../config.js';
import { combinePlans, planHeaderRoute, planWeights, readWeights } from '../istio/virtual-service.js';
import {
  clockTime,
  type OperationDone,
  type OperationInput,
  type ReleaseDeps,
  runOperation,
} from './context.js';
import { formatDuration } from './duration.js';
import { ReleaseRefusedError } from './errors.js';
import { awaitChecks, ensureSubset, requireRecordedReady, requireSlotReady } from './readiness.js';
import { virtualServiceRef } from './refs.js';
import { otherSlot, type Weights } from './types.js';

/** Phases from which a promotion makes sense: a release is in progress or was rolled back. */
const PROMOTABLE = new Set(['ready', 'shifting', 'rolled-back']);

/**
 * promote(service): 100% to the new slot and the header route removed in one guarded patch; the roles
 * swap. Red/black (and blue/green with scaleDownIdle) schedules the old slot's teardown at now + bake
 * time (epoch seconds), run by the sweeper. Refused unless every replica of the new slot is available.
 * Throws ReleaseRefusedError, SlotNotReadyError.
 */
export async function promote(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  return runOperation(
    deps,
    { ...input, action: 'promote', summary: 'promote', budgetSeconds: 120 },
    async (ctx) => {
      const { draft } = ctx;
      const previous = draft.live;
      const target = otherSlot(previous);
      requireRecordedReady(ctx, target, 'promote');
      if (!PROMOTABLE.has(draft.phase)) {
        throw new ReleaseRefusedError(
          draft.phase === 'promoted' || draft.phase === 'stable'
            ? `promote: ${service.name} ${previous} is already live with 100%; nothing to promote (to go back, use /gray rollback ${service.name})`
            : `promote: ${service.name} is ${draft.phase}; promote once the new slot is deployed and ready`,
        );
      }
      const state = draft.slots[target]!;
      await awaitChecks([requireSlotReady(ctx, target, 'promote', true), ensureSubset(ctx)]);
      const weights = { [target]: 100, [previous]: 0 } as unknown as Weights;
      const after = await ctx.cluster.edit(
        virtualServiceRef(service),
        combinePlans(planHeaderRoute(service, undefined), planWeights(service, weights)),
      );
      draft.weights = readWeights(service, after);
      draft.live = target;
      delete draft.headerRoute;
      const old = draft.slots[previous];
      const action =
        service.strategy === 'red-black' ? 'delete' : service.scaleDownIdle ? 'scale-down' : undefined;
      if (action && old && old.status !== 'deleted') {
        const dueAt = ctx.startedAt + service.bakeTime;
        draft.teardown = { slot: previous, dueAt, action, version: old.version };
        draft.phase = 'promoted';
        const verb = action === 'delete' ? 'deleted' : 'scaled to 0';
        return `promoted ${service.name} ${target} ${state.version} to 100%; ${previous} (${old.version}) will be ${verb} at ${clockTime(dueAt)} after a bake time of ${formatDuration(service.bakeTime)}`;
      }
      delete draft.teardown;
      draft.phase = 'stable';
      return `promoted ${service.name} ${target} ${state.version} to 100%; ${previous} stays warm for rollback`;
    },
  );
}
