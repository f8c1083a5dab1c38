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
import type { OperationRecord, OperationStore } from './operations.js';
import { type Cluster, nowSeconds } from './ports.js';
import { reconcileRecord } from './reconcile-record.js';
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
  const now = nowSeconds(deps.clock);
  const service = deps.config.services.find((s) => s.name === lock.service);
  if (!service) {
    await deps.store.releaseLock(lock.service, lock.operationId, undefined, lock.expiresAt);
    return undefined;
  }
  const cluster = deps.clusterFor(findService(deps.config, service.name));
  const [record, operation, vs, blue, green] = await Promise.all([
    deps.store.get(service.name),
    deps.operations.getOperation(lock.operationId, now),
    cluster.read(virtualServiceRef(service)),
    cluster.read(deploymentRef(service, 'blue')),
    cluster.read(deploymentRef(service, 'green')),
  ]);
  const happened =
    record && operation ? await tookEffect(service, cluster, operation.command, record) : false;
  if (record) {
    const deployments = { ...(blue ? { blue } : {}), ...(green ? { green } : {}) };
    const next = reconcileRecord(service, record, vs, deployments, operation?.command, happened, now);
    const outcome = happened ? 'took effect' : 'did not take effect';
    try {
      await deps.store.save(next, record.version, {
        releaseLock: lock.operationId,
        // Only the lock as listed: a late worker that renewed it meanwhile is alive and keeps it.
        lockExpiresAt: lock.expiresAt,
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
      // Another sweeper run, a newer operation that took over the expired lock, or the late holder
      // that renewed it got there first.
      if (error instanceof ReleaseConflictError) return undefined;
      throw error;
    }
  } else if (!(await deps.store.releaseLock(service.name, lock.operationId, undefined, lock.expiresAt))) {
    // Only the lock as listed, as above: a late worker that renewed (or started with) it keeps it.
    return undefined;
  }
  if (operation) {
    const result = `recovered by the sweeper: ${lock.summary} ${happened ? 'took effect' : 'did not take effect'}; the record now matches the cluster`;
    const moved = await deps.operations.transition(
      lock.operationId,
      ['queued', 'running'],
      happened ? 'succeeded' : 'failed',
      { result },
      now,
    );
    // A late worker that found its lock gone ended the operation first and told the channel.
    if (!moved) return undefined;
  }
  return {
    service: service.name,
    ...((operation?.channel ?? record?.channel) ? { channel: operation?.channel ?? record?.channel } : {}),
    text: `⚠️ ${service.name}: the operation \`${lock.summary}\` by <@${lock.requester}> stopped without finishing; it ${happened ? 'took effect' : 'did not take effect'} in the cluster, the record was brought in line and the service is free again`,
  };
}

/**
 * Finishes an operation still marked queued or running whose lock is gone — its worker died after the
 * final record write (which releases the lock) but before marking the operation, or never ran before
 * its lock expired. The audit log says how it ended; without an audit event it failed. Operations whose
 * lock is still theirs are left alone (running, or handled as a stale lock).
 */
export async function finishStaleOperation(
  deps: ReleaseDeps & { operations: OperationStore },
  operation: OperationRecord,
): Promise<RecoveryNotice | undefined> {
  const now = nowSeconds(deps.clock);
  const lock = await deps.store.getLock(operation.service);
  if (lock?.operationId === operation.operationId) return undefined;
  const events = await deps.store.history(operation.service, 50);
  const event = events.find((e) => e.operationId === operation.operationId && e.action !== 'recover');
  const state =
    event?.result === 'succeeded' ? 'succeeded' : event?.result === 'refused' ? 'refused' : 'failed';
  const result = event
    ? `recovered by the sweeper: ${operation.summary} ${event.result}${event.reason ? ` (${event.reason})` : ''}`
    : `recovered by the sweeper: ${operation.summary} never ran to the end; nothing was changed by it`;
  const moved = await deps.operations.transition(
    operation.operationId,
    ['queued', 'running'],
    state,
    { result },
    now,
  );
  if (!moved) return undefined;
  return {
    service: operation.service,
    ...(operation.channel ? { channel: operation.channel } : {}),
    text: `⚠️ ${operation.service}: the operation \`${operation.summary}\` by <@${operation.actor}> was left unfinished by its worker; ${result.replace('recovered by the sweeper: ', '')}`,
  };
}
