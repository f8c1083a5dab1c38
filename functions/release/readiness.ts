import { readRolloutProgress } from '../istio/deployment.js';
import { buildDestinationRule, planDestinationRuleSubsets } from '../istio/destination-rule.js';
import type { OperationContext } from './context.js';
import { ReleaseRefusedError, SlotNotReadyError } from './errors.js';
import type { KubeObject } from './ports.js';
import { deploymentRef, destinationRuleRef, slotsSelector } from './refs.js';
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
  checkSlotReady(ctx, slot, action, full, await ctx.cluster.read(deploymentRef(ctx.service, slot)));
}

/**
 * Reads the Deployments of `slots` in one LIST by the service's name label (BRIEF.md: both slots
 * carry it); a wanted slot missing from the answer (a Deployment without that label) is read by name.
 */
export async function readSlots(
  ctx: Pick<OperationContext, 'service' | 'cluster'>,
  slots: readonly Slot[],
  started?: Promise<KubeObject[]>,
): Promise<Partial<Record<Slot, KubeObject>>> {
  const found: Partial<Record<Slot, KubeObject>> = {};
  if (slots.length === 0) return found;
  const listed = await (started ?? listSlots(ctx));
  await Promise.all(
    slots.map(async (slot) => {
      const name = deploymentRef(ctx.service, slot).name;
      const deployment =
        listed.find((d) => d.metadata.name === name) ??
        (await ctx.cluster.read(deploymentRef(ctx.service, slot)));
      if (deployment) found[slot] = deployment;
    }),
  );
  return found;
}

/**
 * The one LIST of readSlots, to start early: a use case may start it before taking the lock (in
 * parallel with the lock and record round trips) when the record read under the lock re-checks
 * every slot state gray itself changes (requireRecordedReady). Throws GrayErrors when awaited.
 */
export function listSlots(ctx: Pick<OperationContext, 'service' | 'cluster'>): Promise<KubeObject[]> {
  const listed = ctx.cluster.list('Deployment', ctx.service.namespace, slotsSelector(ctx.service));
  // Awaited later, or never (the service was busy): never an unhandled rejection.
  listed.catch(() => undefined);
  return listed;
}

/**
 * requireSlotReady for several slots with one LIST (readSlots, or `started` from listSlots): each
 * must exist, run its recorded version and have available pods (all when `full`). Throws as requireSlotReady.
 */
export async function requireSlotsReady(
  ctx: Pick<OperationContext, 'service' | 'cluster' | 'draft'>,
  slots: readonly Slot[],
  action: string,
  full = false,
  started?: Promise<KubeObject[]>,
): Promise<void> {
  const deployments = await readSlots(ctx, slots, started);
  for (const slot of slots) checkSlotReady(ctx, slot, action, full, deployments[slot]);
}

/** The checks of requireSlotReady on an already read Deployment (undefined: missing). */
function checkSlotReady(
  ctx: Pick<OperationContext, 'service' | 'draft'>,
  slot: Slot,
  action: string,
  full: boolean,
  deployment: KubeObject | undefined,
): void {
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

/**
 * Awaits every check of `checks` (readiness reads, ensureSubset), then throws the first failure in
 * order. Unlike Promise.all, a refusal never ends the operation — and releases its lock — while a
 * sibling check is still writing the DestinationRule.
 */
export async function awaitChecks(checks: readonly Promise<unknown>[]): Promise<void> {
  for (const result of await Promise.allSettled(checks)) {
    if (result.status === 'rejected') throw result.reason;
  }
}

/**
 * Makes sure the DestinationRule has both slots' subsets before a route uses them (creates the rule
 * or adds what is missing), then notes it on the draft (`subsetsChecked`): later route changes skip
 * the read — the rule is the user's and stays as written — until `force` (deploy, reconcile) or a
 * drift sweep that finds a subset missing clears the note.
 */
export async function ensureSubset(
  ctx: Pick<OperationContext, 'service' | 'cluster' | 'draft'>,
  force = false,
): Promise<void> {
  if (ctx.draft.subsetsChecked && !force) return;
  await ensureSubsetsInCluster(ctx);
  ctx.draft.subsetsChecked = true;
}

async function ensureSubsetsInCluster(ctx: Pick<OperationContext, 'service' | 'cluster'>): Promise<void> {
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
