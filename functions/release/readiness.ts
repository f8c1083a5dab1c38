import { readRolloutProgress } from '../istio/deployment.js';
import type { OperationContext } from './context.js';
import { SlotNotReadyError } from './errors.js';
import { deploymentRef } from './refs.js';
import type { Slot } from './types.js';

/**
 * Refuses unless the slot's Deployment has available replicas (all of them when `full`), so traffic
 * never points at something missing. Throws SlotNotReadyError: "green is not ready (0/2 available)".
 */
export async function requireSlotReady(
  ctx: Pick<OperationContext, 'service' | 'cluster'>,
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
  if (progress.available === 0 || (full && progress.available < progress.desired)) {
    throw new SlotNotReadyError(
      `${action}: ${name} ${slot} is not ready (${progress.available}/${progress.desired} available); wait or /gray status ${name}`,
    );
  }
}
