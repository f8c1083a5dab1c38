import type { ServiceConfig } from '../config.js';
import { readRolloutProgress } from '../istio/deployment.js';
import { readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import type { Cluster, KubeObject } from './ports.js';
import { deploymentRef, virtualServiceRef } from './refs.js';
import { otherSlot, type ReleaseRecord, SLOTS, type SlotState } from './types.js';

/**
 * A slot's state as its Deployment shows it; what the Deployment does not carry (version and image
 * labels, deployment time) comes from `previous`, else 'unknown' and `now` (epoch seconds).
 */
export function slotStateFrom(
  service: ServiceConfig,
  deployment: KubeObject,
  now: number,
  previous?: SlotState,
): SlotState {
  const progress = readRolloutProgress(service, deployment);
  return {
    version: progress.version ?? previous?.version ?? 'unknown',
    image: progress.image ?? previous?.image ?? 'unknown',
    replicas: progress.desired,
    deployedAt: previous?.deployedAt ?? now,
    status: progress.desired === 0 ? 'scaled-down' : progress.done ? 'ready' : 'deploying',
  };
}

/**
 * Builds a first release record (version 1) from what runs in the cluster: weights and header route
 * from the VirtualService, versions from the slots' Deployments. The live slot is the one with the
 * larger weight (blue on a tie or without a VirtualService). Times in epoch seconds.
 */
export async function adoptFromCluster(
  service: ServiceConfig,
  cluster: Cluster,
  actor: string,
  now: number,
): Promise<ReleaseRecord> {
  const [vs, ...deployments] = await Promise.all([
    cluster.read(virtualServiceRef(service)),
    ...SLOTS.map((slot) => cluster.read(deploymentRef(service, slot))),
  ]);
  const weights = vs ? readWeights(service, vs) : { blue: 100, green: 0 };
  const headerRoute = vs ? readHeaderRoute(service, vs) : undefined;
  const live = weights.green > weights.blue ? 'green' : 'blue';
  const slots: ReleaseRecord['slots'] = {};
  SLOTS.forEach((slot, index) => {
    const deployment = deployments[index];
    if (deployment) slots[slot] = slotStateFrom(service, deployment, now);
  });
  const candidate = otherSlot(live);
  const phase = weights[candidate] > 0 ? 'shifting' : slots[candidate] && headerRoute ? 'ready' : 'stable';
  return {
    service: service.name,
    version: 1,
    live,
    slots,
    weights,
    ...(headerRoute ? { headerRoute } : {}),
    phase,
    updatedAt: now,
    updatedBy: actor,
  };
}
