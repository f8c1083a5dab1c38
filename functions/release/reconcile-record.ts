import type { ServiceConfig } from '../config.js';
import { readRolloutProgress } from '../istio/deployment.js';
import { readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import type { ResolvedWriteCommand } from './commands.js';
import type { KubeObject } from './ports.js';
import { otherSlot, type ReleaseRecord, SLOTS, type Slot } from './types.js';

/**
 * Rebuilds a release record from what runs, after an operation whose worker died: routing from the
 * VirtualService, each slot's version and state from its Deployment (an unfinished rollout counts as
 * failed: nobody is watching it any more), then live slot, phase and pending teardown from those —
 * with `command`/`happened` deciding what the interrupted operation meant. Pure; times in epoch seconds.
 */
export function reconcileRecord(
  service: ServiceConfig,
  record: ReleaseRecord,
  vs: KubeObject | undefined,
  deployments: Partial<Record<Slot, KubeObject>>,
  command: ResolvedWriteCommand | undefined,
  happened: boolean,
  now: number,
): ReleaseRecord {
  const { drift: _drift, ...rest } = record;
  const next: ReleaseRecord = {
    ...rest,
    version: record.version + 1,
    updatedAt: now,
    updatedBy: 'gray-sweeper',
  };
  if (vs) {
    next.weights = readWeights(service, vs);
    const header = readHeaderRoute(service, vs);
    if (header) next.headerRoute = header;
    else delete next.headerRoute;
  }
  for (const slot of SLOTS) {
    const state = record.slots[slot];
    const deployment = deployments[slot];
    if (!deployment) {
      if (state) next.slots[slot] = { ...state, status: 'deleted' };
      continue;
    }
    const progress = readRolloutProgress(service, deployment);
    const interrupted = !progress.done && progress.desired > 0;
    next.slots[slot] = {
      version: progress.version ?? state?.version ?? 'unknown',
      image: progress.image ?? state?.image ?? 'unknown',
      replicas: progress.desired === 0 ? (state?.replicas ?? service.replicas) : progress.desired,
      deployedAt: state?.deployedAt ?? now,
      status: progress.desired === 0 ? 'scaled-down' : interrupted ? 'failed' : 'ready',
      ...(interrupted ? { reason: 'RolloutInterrupted' } : {}),
    };
  }
  if (next.weights.blue === 100 || next.weights.green === 100)
    next.live = next.weights.blue === 100 ? 'blue' : 'green';
  const candidate = otherSlot(next.live);
  const candidateState = next.slots[candidate];
  const candidateUsable = candidateState && candidateState.status === 'ready';
  if (
    next.teardown &&
    (next.teardown.slot === next.live || next.slots[next.teardown.slot]?.status === 'deleted')
  )
    delete next.teardown;
  if (command?.verb === 'promote' && happened) {
    const old = next.slots[candidate];
    const action =
      service.strategy === 'red-black' ? 'delete' : service.scaleDownIdle ? 'scale-down' : undefined;
    if (action && old && old.status !== 'deleted') {
      next.teardown = { slot: candidate, dueAt: now + service.bakeTime, action, version: old.version };
      next.phase = 'promoted';
    } else next.phase = 'stable';
  } else if (next.weights[candidate] > 0 || next.headerRoute) {
    next.phase = 'shifting';
  } else if (candidateState?.status === 'failed') {
    next.phase = 'failed';
  } else if (next.teardown) {
    next.phase = 'promoted';
  } else if (
    candidateUsable &&
    (record.phase === 'ready' || record.phase === 'shifting' || command?.verb === 'deploy')
  ) {
    next.phase = 'ready';
  } else {
    next.phase = 'stable';
  }
  return next;
}
