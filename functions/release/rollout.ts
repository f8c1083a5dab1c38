import type { ServiceConfig } from '../config.js';
import { type RolloutProgress, readRolloutProgress } from '../istio/deployment.js';
import { ResourceNotFoundError, RolloutFailedError } from './errors.js';
import type { Clock, Cluster } from './ports.js';
import { deploymentRef } from './refs.js';
import type { Slot } from './types.js';

/**
 * Polls a slot's Deployment until its rollout is done (every replica updated and available, latest
 * generation observed — kubectl's rule). Reports "rolling out green: 1/2 ready" on each change.
 * Throws RolloutFailedError on ProgressDeadlineExceeded or after `timeoutSeconds`; ResourceNotFoundError
 * if the Deployment disappears.
 */
export async function waitForRollout(
  deps: { cluster: Cluster; clock: Clock; pollMs?: number },
  service: ServiceConfig,
  slot: Slot,
  timeoutSeconds: number,
  onProgress: (message: string) => Promise<void>,
): Promise<RolloutProgress> {
  const ref = deploymentRef(service, slot);
  const deadline = deps.clock.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const deployment = await deps.cluster.read(ref);
    if (!deployment) throw new ResourceNotFoundError('Deployment', ref.namespace, ref.name);
    const progress = readRolloutProgress(service, deployment);
    const line = `rolling out ${slot}: ${progress.available}/${progress.desired} ready`;
    if (line !== last) {
      last = line;
      await onProgress(line);
    }
    if (progress.failure) {
      throw new RolloutFailedError(
        `${service.name} ${slot} did not become ready: ${progress.failure.reason}${progress.failure.message ? ` (${progress.failure.message})` : ''}`,
        progress.failure.reason,
      );
    }
    if (progress.done) return progress;
    if (deps.clock.now() >= deadline) {
      throw new RolloutFailedError(
        `${service.name} ${slot} was not ready after ${timeoutSeconds}s (${progress.available}/${progress.desired} available)`,
        'RolloutTimeout',
      );
    }
    await deps.clock.sleep(deps.pollMs ?? 1000);
  }
}
