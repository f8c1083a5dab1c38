import { findService } from '../config.js';
import { planHeaderRoute } from '../istio/virtual-service.js';
import { parseHeaderName, parseHeaderValue } from './arguments.js';
import { type OperationDone, type OperationInput, type ReleaseDeps, runOperation } from './context.js';
import { InvalidInputError } from './errors.js';
import { awaitChecks, ensureSubset, requireRecordedReady, requireSlotReady } from './readiness.js';
import { virtualServiceRef } from './refs.js';
import { describeHeaderRoute, type HeaderRoute, otherSlot } from './types.js';

/** Input of setHeaderRoute: one header value, or a user cohort on the service's `userHeader`. */
export type HeaderRouteInput = OperationInput & ({ header: string; value: string } | { users: string[] });

/**
 * setHeaderRoute(service, header=value | users): adds or replaces gray's named header route, placed
 * just before the default route, sending matching requests to the new slot whatever the weights
 * (seed: route `latest`, header `x-latest-version` exact "true"). Applying it twice leaves one route.
 * Throws InvalidInputError, ReleaseRefusedError, SlotNotReadyError.
 */
export async function setHeaderRoute(deps: ReleaseDeps, input: HeaderRouteInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  const partial =
    'users' in input
      ? {
          header: service.userHeader,
          values: [...new Set(input.users.map((u) => parseHeaderValue(u.trim())))],
        }
      : { header: parseHeaderName(input.header), values: [parseHeaderValue(input.value)] };
  if (partial.values.length === 0 || partial.values.length > 50) {
    throw new InvalidInputError(
      'users: give 1 to 50 user ids separated by commas, like /gray route address-service users u1,u2',
    );
  }
  const summary = `route header ${partial.header}`;
  return runOperation(deps, { ...input, action: 'route', summary, budgetSeconds: 120 }, async (ctx) => {
    const target = otherSlot(ctx.draft.live);
    requireRecordedReady(ctx, target, 'route');
    const state = ctx.draft.slots[target]!;
    await awaitChecks([requireSlotReady(ctx, target, 'route'), ensureSubset(ctx)]);
    const route: HeaderRoute = { ...partial, slot: target };
    await ctx.cluster.edit(virtualServiceRef(service), planHeaderRoute(service, route));
    ctx.draft.headerRoute = route;
    if (ctx.draft.phase === 'stable' || ctx.draft.phase === 'rolled-back') ctx.draft.phase = 'ready';
    return `${service.name}: requests with ${describeHeaderRoute(route)} go to ${target} (${state.version}); the rest follow the weights`;
  });
}

/** clearHeaderRoute(service): removes gray's header route (nothing else); a no-op if there is none. */
export async function clearHeaderRoute(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  return runOperation(
    deps,
    { ...input, action: 'route', summary: 'route off', budgetSeconds: 120 },
    async (ctx) => {
      await ctx.cluster.edit(virtualServiceRef(service), planHeaderRoute(service, undefined));
      delete ctx.draft.headerRoute;
      return `${service.name}: header route removed; traffic follows the weights only`;
    },
  );
}
