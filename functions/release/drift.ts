import { findService } from '../config.js';
import {
  combinePlans,
  planHeaderRoute,
  planWeights,
  readHeaderRoute,
  readWeights,
} from '../istio/virtual-service.js';
import { slotStateFrom } from './adopt.js';
import { type OperationDone, type OperationInput, type ReleaseDeps, runOperation } from './context.js';
import { ReleaseRefusedError } from './errors.js';
import { ensureSubset } from './readiness.js';
import { deploymentRef, virtualServiceRef } from './refs.js';
import { SLOTS } from './types.js';

/**
 * adopt(service): accepts the live state into the record — weights and header route from the
 * VirtualService, versions and images from the Deployments — and clears the drift (audited).
 */
export async function adopt(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  return runOperation(
    deps,
    { ...input, action: 'adopt', summary: 'adopt live state', budgetSeconds: 60 },
    async (ctx) => {
      const vs = await ctx.cluster.read(virtualServiceRef(service));
      if (!vs)
        throw new ReleaseRefusedError(
          `adopt: ${service.name} has no VirtualService ${service.virtualService} to adopt`,
        );
      const { draft } = ctx;
      draft.weights = readWeights(service, vs);
      const header = readHeaderRoute(service, vs);
      if (header) draft.headerRoute = header;
      else delete draft.headerRoute;
      if (draft.weights.green > draft.weights.blue) draft.live = 'green';
      else if (draft.weights.blue > draft.weights.green) draft.live = 'blue';
      const deployments = await Promise.all(
        SLOTS.map((slot) => ctx.cluster.read(deploymentRef(service, slot))),
      );
      SLOTS.forEach((slot, index) => {
        const deployment = deployments[index];
        const state = draft.slots[slot];
        if (deployment) draft.slots[slot] = slotStateFrom(service, deployment, ctx.startedAt, state);
        else if (state) draft.slots[slot] = { ...state, status: 'deleted' };
      });
      const lines = draft.drift?.lines ?? [];
      delete draft.drift;
      // The live DestinationRule is accepted as it is; the next route change checks its subsets again.
      delete draft.subsetsChecked;
      return `${service.name}: adopted the live state (blue ${draft.weights.blue}% / green ${draft.weights.green}%)${lines.length ? `; it differed in: ${lines.join('; ')}` : ''}`;
    },
  );
}

/**
 * reconcile(service): puts the recorded weights and header route back on the VirtualService (one
 * guarded patch), after putting back any slot subset missing from the DestinationRule, and clears the drift. Callers gate it behind an approval (Slack).
 */
export async function reconcile(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  return runOperation(
    deps,
    { ...input, action: 'reconcile', summary: 'reconcile', budgetSeconds: 60 },
    async (ctx) => {
      const { draft } = ctx;
      await ensureSubset(ctx, true);
      await ctx.cluster.edit(
        virtualServiceRef(service),
        combinePlans(planHeaderRoute(service, draft.headerRoute), planWeights(service, draft.weights)),
      );
      delete draft.drift;
      return `${service.name}: restored the recorded routing (blue ${draft.weights.blue}% / green ${draft.weights.green}%${draft.headerRoute ? `, header route ${draft.headerRoute.header}` : ''})`;
    },
  );
}
