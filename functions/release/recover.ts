/**
 * Crash recovery: an operation whose worker died leaves its lock behind past the time budget. The
 * sweeper reads the cluster, decides whether the change happened, records the real outcome, and
 * frees the lock — so the lock never stays stuck.
 */
import { findService, type ServiceConfig } from '../config.js';
import { readRolloutProgress } from '../istio/deployment.js';
import { readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import type { ResolvedWriteCommand } from './commands.js';
import type { ReleaseDeps } from './context.js';
import { ReleaseConflictError } from './errors.js';
import type { OperationStore } from './operations.js';
import type { Cluster } from './ports.js';
import { deploymentRef, virtualServiceRef } from './refs.js';
import { type OperationLock, otherSlot, type ReleaseRecord, snapshotOf } from './types.js';

/** What the sweeper tells people after recovering an operation. */
export interface RecoveryNotice {
  service: string;
  channel?: string;
  text: string;
}

/** Reads the cluster and says whether `command` took effect, given the record from before it. */
async function tookEffect(
  service: ServiceConfig,
  cluster: Cluster,
  command: ResolvedWriteCommand,
  before: ReleaseRecord,
): Promise<boolean> {
  const vs = await cluster.read(virtualServiceRef(service));
  const weights = vs ? readWeights(service, vs) : undefined;
  const header = vs ? readHeaderRoute(service, vs) : undefined;
  const candidate = otherSlot(before.live);
  switch (command.verb) {
    case 'weight':
      return weights?.[candidate] === command.weight;
    case 'promote':
      return weights?.[candidate] === 100 && !header;
    case 'rollback':
      return !header && (weights?.blue === 100 || weights?.green === 100);
    case 'route':
      return 'off' in command.route ? !header : header !== undefined;
    case 'deploy': {
      const deployment = await cluster.read(deploymentRef(service, command.slot ?? candidate));
      const progress = deployment ? readRolloutProgress(service, deployment) : undefined;
      return progress?.version === command.version && progress.done;
    }
    case 'teardown': {
      const deployment = await cluster.read(deploymentRef(service, command.slot));
      return !deployment || (deployment.spec as { replicas?: number } | undefined)?.replicas === 0;
    }
    default:
      // Record-only commands (teardown cancel/extend, adopt): nothing in the cluster to check.
      return false;
  }
}

/**
 * Reconciles one stale lock: routing and slot versions are read back from the cluster into the
 * record, the operation is marked succeeded or failed by whether its change took effect, the lock is
 * released in the same transaction, and a notice is returned for the channel.
 */
export async function recoverStaleLock(
  deps: ReleaseDeps & { operations: OperationStore },
  lock: OperationLock & { service: string },
): Promise<RecoveryNotice | undefined> {
  const now = Math.floor(deps.clock.now() / 1000);
  const service = deps.config.services.find((s) => s.name === lock.service);
  if (!service) {
    await deps.store.releaseLock(lock.service, lock.operationId);
    return undefined;
  }
  const cluster = deps.clusterFor(findService(deps.config, service.name));
  const [record, operation, vs] = await Promise.all([
    deps.store.get(service.name),
    deps.operations.getOperation(lock.operationId, now),
    cluster.read(virtualServiceRef(service)),
  ]);
  const happened =
    record && operation ? await tookEffect(service, cluster, operation.command, record) : false;
  if (record && vs) {
    const next: ReleaseRecord = {
      ...record,
      version: record.version + 1,
      weights: readWeights(service, vs),
      updatedAt: now,
      updatedBy: 'gray-sweeper',
    };
    const header = readHeaderRoute(service, vs);
    if (header) next.headerRoute = header;
    else delete next.headerRoute;
    if (next.weights[otherSlot(record.live)] === 100) next.live = otherSlot(record.live);
    const outcome = happened ? 'took effect' : 'did not take effect';
    try {
      await deps.store.save(next, record.version, {
        releaseLock: lock.operationId,
        audit: {
          service: service.name,
          at: deps.clock.now(),
          id: `recover-${lock.operationId}`,
          actor: 'gray-sweeper',
          action: 'recover',
          summary: `recover ${lock.summary}`,
          result: happened ? 'succeeded' : 'failed',
          reason: `the worker stopped before recording ${lock.summary} (lock expired at ${new Date(lock.expiresAt * 1000).toISOString()}); the change ${outcome}`,
          before: snapshotOf(record),
          after: snapshotOf(next),
          operationId: lock.operationId,
        },
      });
    } catch (error) {
      // Another sweeper run, or a newer operation that took over the expired lock, got there first.
      if (error instanceof ReleaseConflictError) return undefined;
      throw error;
    }
  } else {
    await deps.store.releaseLock(service.name, lock.operationId);
  }
  if (operation) {
    const result = `recovered by the sweeper: ${lock.summary} ${happened ? 'took effect' : 'did not take effect'}; the record now matches the cluster`;
    await deps.operations.transition(
      lock.operationId,
      ['queued', 'running'],
      happened ? 'succeeded' : 'failed',
      { result },
      now,
    );
  }
  return {
    service: service.name,
    ...((operation?.channel ?? record?.channel) ? { channel: operation?.channel ?? record?.channel } : {}),
    text: `⚠️ ${service.name}: the operation \`${lock.summary}\` by <@${lock.requester}> stopped without finishing; it ${happened ? 'took effect' : 'did not take effect'} in the cluster, the record was brought in line and the service is free again`,
  };
}
