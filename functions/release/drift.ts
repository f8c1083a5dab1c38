import { findService } from '../config.js';
import { readRolloutProgress } from '../istio/deployment.js';
import {
  combinePlans,
  planHeaderRoute,
  planWeights,
  readHeaderRoute,
  readWeights,
} from '../istio/virtual-service.js';
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
      for (const slot of SLOTS) {
        const deployment = await ctx.cluster.read(deploymentRef(service, slot));
        const state = draft.slots[slot];
        if (!deployment) {
          if (state) draft.slots[slot] = { ...state, status: 'deleted' };
          continue;
        }
        const progress = readRolloutProgress(service, deployment);
        draft.slots[slot] = {
          version: progress.version ?? state?.version ?? 'unknown',
          image: progress.image ?? state?.image ?? 'unknown',
          replicas: progress.desired,
          deployedAt: state?.deployedAt ?? ctx.startedAt,
          status: progress.desired === 0 ? 'scaled-down' : progress.done ? 'ready' : 'deploying',
        };
      }
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
