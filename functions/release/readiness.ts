import { readRolloutProgress } from '../istio/deployment.js';
import { buildDestinationRule, planDestinationRuleSubsets } from '../istio/destination-rule.js';
import type { OperationContext } from './context.js';
import { ReleaseRefusedError, SlotNotReadyError } from './errors.js';
import { deploymentRef, destinationRuleRef } from './refs.js';
import type { Slot } from './types.js';

/**
 * Refuses unless the slot's Deployment has available replicas (all of them when `full`), so traffic
 * never points at something missing. Throws SlotNotReadyError: "green is not ready (0/2 available)".
 */
export async function requireSlotReady(
  ctx: Pick<OperationContext, 'service' | 'cluster' | 'draft'>,
  slot: Slot,
  action: string,
  full = false,
): Promise<void> {
  const deployment = await ctx.cluster.read(deploymentRef(ctx.service, slot));
  const name = ctx.service.name;
  if (!deployment) {
    throw new SlotNotReadyError(
      `${action}: ${name} ${slot} is not deployed; deploy it first with /gray deploy ${name} ${slot} <version>`,
    );
  }
  const progress = readRolloutProgress(ctx.service, deployment);
  const recorded = ctx.draft.slots[slot]?.version;
  if (recorded && progress.version && progress.version !== recorded) {
    throw new ReleaseRefusedError(
      `${action}: ${name} ${slot} runs ${progress.version}, not the recorded ${recorded}; check /gray status ${name} (adopt or redeploy)`,
    );
  }
  if (progress.available === 0 || (full && progress.available < progress.desired)) {
    throw new SlotNotReadyError(
      `${action}: ${name} ${slot} is not ready (${progress.available}/${progress.desired} available); wait or /gray status ${name}`,
    );
  }
}

/**
 * Refuses to route to the new slot unless its recorded release finished rolling out (status ready):
 * a failed or unfinished deploy leaves old pods that would serve the previous version.
 */
export function requireRecordedReady(
  ctx: Pick<OperationContext, 'service' | 'draft'>,
  slot: Slot,
  action: string,
): void {
  const name = ctx.service.name;
  const state = ctx.draft.slots[slot];
  if (!state || state.status === 'deleted' || state.status === 'scaled-down') {
    throw new ReleaseRefusedError(
      `${action}: ${name} has no release in ${slot}; deploy one first with /gray deploy ${name} ${slot} <version>`,
    );
  }
  if (state.status === 'failed') {
    throw new ReleaseRefusedError(
      `${action}: the last deploy of ${name} ${slot} (${state.version}) failed${state.reason ? ` (${state.reason})` : ''}; deploy a good version first`,
    );
  }
  if (state.status === 'deploying') {
    throw new ReleaseRefusedError(
      `${action}: ${name} ${slot} (${state.version}) is still deploying; wait for it, or check /gray status ${name}`,
    );
  }
}

/** Makes sure the DestinationRule has the slot's subset before a route uses it (adds it if missing). */
export async function ensureSubset(ctx: Pick<OperationContext, 'service' | 'cluster'>): Promise<void> {
  const ref = destinationRuleRef(ctx.service);
  const rule = await ctx.cluster.read(ref);
  if (!rule) {
    await ctx.cluster.create(buildDestinationRule(ctx.service));
    return;
  }
  if (planDestinationRuleSubsets(ctx.service, rule).length > 0) {
    await ctx.cluster.edit(ref, (current) => planDestinationRuleSubsets(ctx.service, current));
  }
}
