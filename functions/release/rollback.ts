import { findService } from '../config.js';
import { planScale } from '../istio/deployment.js';
import { combinePlans, planHeaderRoute, planWeights, readWeights } from '../istio/virtual-service.js';
import {
  clockTime,
  type OperationDone,
  type OperationInput,
  type ReleaseDeps,
  runOperation,
} from './context.js';
import { ReleaseRefusedError } from './errors.js';
import { awaitChecks, ensureSubset, requireSlotReady } from './readiness.js';
import { deploymentRef, virtualServiceRef } from './refs.js';
import { waitForRollout } from './rollout.js';
import { otherSlot, type Slot, type Weights } from './types.js';

const ABORTABLE = new Set(['deploying', 'ready', 'shifting', 'failed']);

/**
 * rollback(service): all traffic back to the previous slot. During a release (deploying, ready,
 * shifting, failed) that is the live slot; after a promotion it is the old slot, which is scaled back
 * up and waited for before any weight moves, and its pending teardown is cancelled. Refused with the
 * reason when the old slot is gone. Throws ReleaseRefusedError, RolloutFailedError.
 */
export async function rollback(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  return runOperation(
    deps,
    { ...input, action: 'rollback', summary: 'rollback', budgetSeconds: service.rolloutTimeout + 120 },
    async (ctx) => {
      const { draft } = ctx;
      const name = service.name;
      let to: Slot;
      if (ABORTABLE.has(draft.phase)) {
        to = draft.live;
      } else if (draft.phase === 'promoted' || draft.phase === 'stable') {
        to = otherSlot(draft.live);
      } else {
        throw new ReleaseRefusedError(
          `rollback: ${name} was just rolled back; nothing to roll back (see /gray status ${name})`,
        );
      }
      const state = draft.slots[to];
      if (!state || state.status === 'deleted') {
        throw new ReleaseRefusedError(
          state
            ? `rollback: ${name} ${to} is gone (torn down); redeploy the old version with /gray deploy ${name} ${to} ${state.version}`
            : `rollback: ${name} ${to} was never deployed by gray; nothing to roll back to`,
        );
      }
      if (state.status === 'failed') {
        throw new ReleaseRefusedError(
          `rollback: ${name} ${to} holds a failed release (${state.version}); nothing to roll back to`,
        );
      }
      // Whichever slot takes the traffic back must exist, run its replicas and be fully available
      // before any weight moves (it may have been scaled down by gray or by hand).
      const ref = deploymentRef(service, to);
      const deployment = await ctx.cluster.read(ref);
      if (!deployment) {
        throw new ReleaseRefusedError(
          `rollback: Deployment ${ref.name} no longer exists; redeploy the old version with /gray deploy ${name} ${to} ${state.version}`,
        );
      }
      if (planScale(deployment, state.replicas).length > 0) {
        await ctx.progress(`scaling ${name} ${to} back to ${state.replicas}`);
        await ctx.cluster.edit(ref, (current) => planScale(current, state.replicas));
      }
      await waitForRollout(
        { ...deps, cluster: ctx.cluster },
        service,
        to,
        service.rolloutTimeout,
        ctx.progress,
      );
      await awaitChecks([requireSlotReady(ctx, to, 'rollback', true), ensureSubset(ctx)]);
      draft.slots[to] = { ...state, status: 'ready' };
      const from = otherSlot(to);
      const weights = { [to]: 100, [from]: 0 } as unknown as Weights;
      const after = await ctx.cluster.edit(
        virtualServiceRef(service),
        combinePlans(planHeaderRoute(service, undefined), planWeights(service, weights)),
      );
      draft.weights = readWeights(service, after);
      delete draft.headerRoute;
      const cancelled = draft.teardown?.slot === to ? draft.teardown : undefined;
      if (cancelled) delete draft.teardown;
      draft.live = to;
      draft.phase = 'rolled-back';
      const version = draft.slots[to]?.version ?? 'unknown';
      const note = cancelled ? `; the teardown planned for ${clockTime(cancelled.dueAt)} is cancelled` : '';
      return `rolled back ${name}: ${to} (${version}) has 100%, ${from} 0%${note}`;
    },
  );
}
