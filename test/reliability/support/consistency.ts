// "Record equals cluster", checked from outside: the release record in DynamoDB against the objects in our
// Kubernetes API server's store (not through gray's adapter), plus gray's own drift report and the lock.
import { findService } from '../../../functions/config.js';
import { readRolloutProgress } from '../../../functions/istio/deployment.js';
import { readHeaderRoute, readWeights } from '../../../functions/istio/virtual-service.js';
import type { ReleaseDeps } from '../../../functions/release/context.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { getStatus } from '../../../functions/release/status.js';
import { type ReleaseRecord, SLOTS } from '../../../functions/release/types.js';
import type { KubeApiServer } from '../../support/kube-api-server/index.js';

/** The live routing of a service read straight from the server's store; undefined without a VirtualService. */
export function liveRouting(deps: Pick<ReleaseDeps, 'config'>, kube: KubeApiServer, name: string) {
  const service = findService(deps.config, name);
  const vs = kube.getObject('virtualservices', service.namespace, service.virtualService) as
    | KubeObject
    | undefined;
  if (!vs) return undefined;
  return { weights: readWeights(service, vs), headerRoute: readHeaderRoute(service, vs) };
}

/** The slot's Deployment in the server's store, or undefined. */
export function liveDeployment(
  deps: Pick<ReleaseDeps, 'config'>,
  kube: KubeApiServer,
  name: string,
  slot: string,
): KubeObject | undefined {
  const service = findService(deps.config, name);
  return kube.getObject('deployments', service.namespace, `${name}-${slot}`) as KubeObject | undefined;
}

/**
 * Every way the service's record differs from the cluster at rest (no operation running): weights and
 * header route, each slot's status/version/image against its Deployment, a phase or slot left
 * `deploying`, a lock left behind, recorded drift, and (unless `withStatus` is false) gray's own drift
 * report read through `deps`' cluster. Empty when consistent.
 */
export async function recordVsCluster(
  deps: ReleaseDeps,
  kube: KubeApiServer,
  name: string,
  withStatus = true,
): Promise<string[]> {
  return (await inspectService(deps, kube, name, withStatus)).problems;
}

/** recordVsCluster that also returns the record it read (undefined when there is none). */
export async function inspectService(
  deps: ReleaseDeps,
  kube: KubeApiServer,
  name: string,
  withStatus = true,
): Promise<{ record?: ReleaseRecord; problems: string[] }> {
  const service = findService(deps.config, name);
  const record = await deps.store.get(name);
  if (!record) return { problems: ['no record'] };
  const problems: string[] = [];
  const routing = liveRouting(deps, kube, name);
  if (!routing) problems.push('VirtualService missing');
  else {
    const { weights, headerRoute } = routing;
    if (weights.blue !== record.weights.blue || weights.green !== record.weights.green)
      problems.push(`weights: record ${JSON.stringify(record.weights)}, cluster ${JSON.stringify(weights)}`);
    if (JSON.stringify(headerRoute ?? null) !== JSON.stringify(record.headerRoute ?? null))
      problems.push(
        `header route: record ${JSON.stringify(record.headerRoute)}, cluster ${JSON.stringify(headerRoute)}`,
      );
  }
  for (const slot of SLOTS) {
    const state = record.slots[slot];
    const deployment = liveDeployment(deps, kube, name, slot);
    const replicas = (deployment?.spec as { replicas?: number } | undefined)?.replicas ?? 0;
    const progress = deployment ? readRolloutProgress(service, deployment) : undefined;
    const live = deployment
      ? `${progress?.version} ×${replicas}${progress?.done ? '' : ' (rolling out)'}`
      : 'no Deployment';
    const mismatch = (why: string) =>
      problems.push(
        `${slot}: record ${state?.status ?? 'none'} ${state?.version ?? ''}, cluster ${live} (${why})`,
      );
    if (!state) {
      if (deployment && replicas > 0) mismatch('slot missing from the record');
      continue;
    }
    if (state.status === 'deleted' && deployment) mismatch('recorded deleted');
    if (state.status === 'scaled-down' && replicas > 0) mismatch('recorded scaled down');
    if (state.status === 'deploying') mismatch('left deploying');
    if (state.status === 'ready') {
      if (!deployment || replicas === 0) mismatch('recorded ready');
      else if (progress?.version !== state.version || progress.image !== state.image)
        mismatch('other version');
      else if (!progress.done) mismatch('recorded ready while rolling out');
    }
  }
  if (record.phase === 'deploying') problems.push('phase left deploying');
  const lock = await deps.store.getLock(name);
  if (lock) problems.push(`lock left: ${lock.summary} (${lock.operationId})`);
  if (record.drift) problems.push(`drift recorded: ${record.drift.lines.join('; ')}`);
  const drift = withStatus ? (await getStatus(deps, { service: name })).drift : [];
  if (drift.length > 0) problems.push(`gray reports drift: ${drift.join('; ')}`);
  return { record, problems };
}
