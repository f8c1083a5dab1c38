import type { ServiceConfig } from '../config.js';
import { readRolloutProgress } from '../istio/deployment.js';
import { readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import type { Cluster } from './ports.js';
import { deploymentRef, virtualServiceRef } from './refs.js';
import { otherSlot, type ReleaseRecord, SLOTS, type SlotState } from './types.js';

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
    if (!deployment) return;
    const progress = readRolloutProgress(service, deployment);
    const state: SlotState = {
      version: progress.version ?? 'unknown',
      image: progress.image ?? 'unknown',
      replicas: progress.desired,
      deployedAt: now,
      status: progress.desired === 0 ? 'scaled-down' : progress.done ? 'ready' : 'deploying',
    };
    slots[slot] = state;
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
