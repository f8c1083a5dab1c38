/**
 * The frame every write use case runs in: load (or adopt) the record, take the per-service lock with
 * a conditional write, do the work on a draft, then commit the draft and an audit event in one
 * conditional transaction — success or failure, so the record always tells what happened.
 */
import { randomUUID } from 'node:crypto';
import type { GrayConfig, ServiceConfig } from '../config.js';
import { findService } from '../config.js';
import { readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import { adoptFromCluster } from './adopt.js';
import {
  GrayError,
  REFUSAL_CODES,
  ReleaseConflictError,
  ReleaseRefusedError,
  toGrayError,
} from './errors.js';
import { fencedCluster } from './fence.js';
import { auditEvent, operationAudit } from './operation-audit.js';
import {
  type Clock,
  type Cluster,
  type MetricsSource,
  nowSeconds,
  type ProgressEvent,
  type ReleaseStore,
} from './ports.js';
import { readAhead, takeServiceLock } from './service-lock.js';
import type { AuditResult, ReleaseRecord } from './types.js';

export { clockTime } from './service-lock.js';

/** What use cases need from the world. `clusterFor` picks the cluster a service lives in. */
export interface ReleaseDeps {
  config: GrayConfig;
  store: ReleaseStore;
  clusterFor: (service: ServiceConfig) => Cluster;
  clock: Clock;
  /** Picks the Prometheus a service's canary analysis asks (absent: canary analyses are inconclusive). */
  metricsFor?: (service: ServiceConfig) => MetricsSource;
  /** Called as a long operation progresses ("rolling out green: 1/2 ready"). */
  onProgress?: (event: ProgressEvent) => void | Promise<void>;
  /** Poll interval of rollout waits, milliseconds (default 1000). */
  pollMs?: number;
  /** Makes operation and audit ids (default: random UUIDs). */
  newId?: () => string;
}

/** Fields every write use case takes. */
export interface OperationInput {
  service: string;
  /** Who asked: a Slack user id or a local user name. */
  actor: string;
  /** Id of an operation recorded earlier (the Slack ack path) that already holds the lock. */
  operationId?: string;
  /** Approver who allowed this operation (Slack approvals), recorded in the audit event. */
  approvedBy?: string;
  /** Slack channel the request came from; kept on the record so the sweeper reports there. */
  channel?: string;
  /**
   * Called with the draft just before the final commit (same conditional write), so a caller records
   * its own state together with the change — the canary notes its step with the weight it set.
   */
  amend?: (draft: ReleaseRecord, result: AuditResult) => void;
}

/** Handed to a use case's work: the service, its cluster and a mutable draft of the record. */
export interface OperationContext {
  service: ServiceConfig;
  cluster: Cluster;
  draft: ReleaseRecord;
  operationId: string;
  /** Epoch seconds at the start of the operation. */
  startedAt: number;
  /** Reports progress to `deps.onProgress`. */
  progress(message: string): Promise<void>;
  /** Persists the draft now, still holding the lock (records intent before a long cluster change). */
  checkpoint(): Promise<void>;
}

/** A finished write: the committed record and a one-line human result. */
export interface OperationDone {
  kind: 'done';
  service: string;
  operationId: string;
  message: string;
  record: ReleaseRecord;
}

/** Actions allowed on a drifted service: the two that resolve drift. */
const DRIFT_ACTIONS = new Set(['adopt', 'reconcile']);

/**
 * Loads a service's record (through `read`, by default a fresh GetItem), adopting the live cluster
 * state on first use. Throws GrayErrors.
 */
export async function loadRecord(
  deps: ReleaseDeps,
  service: ServiceConfig,
  cluster: Cluster,
  actor: string,
  read: () => Promise<ReleaseRecord | undefined> = () => deps.store.get(service.name),
): Promise<ReleaseRecord> {
  const existing = await read();
  if (existing) return existing;
  const adopted = await adoptFromCluster(service, cluster, actor, nowSeconds(deps.clock));
  try {
    await deps.store.save(adopted, undefined, {
      audit: auditEvent(deps, adopted, actor, 'adopt', 'adopt live state', 'succeeded'),
    });
    return adopted;
  } catch (error) {
    if (!(error instanceof ReleaseConflictError)) throw error;
    const raced = await deps.store.get(service.name);
    if (!raced) throw error;
    return raced;
  }
}

/**
 * Runs `work` under the service lock and records its outcome. `action`/`summary` name the operation
 * ("weight", "weight 25"); `budgetSeconds` bounds how long the lock is held before it counts as stale.
 * Throws UnknownServiceError, ServiceBusyError, ReleaseConflictError, or whatever `work` throws
 * (after recording it as refused or failed).
 */
export async function runOperation(
  deps: ReleaseDeps,
  input: OperationInput & { action: string; summary: string; budgetSeconds?: number },
  work: (ctx: OperationContext) => Promise<string>,
): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  const cluster = deps.clusterFor(service);
  const startedAt = nowSeconds(deps.clock);
  const operationId = input.operationId ?? (deps.newId ?? randomUUID)();
  const budget = input.budgetSeconds ?? 300;
  const lock = {
    operationId,
    action: input.action,
    summary: input.summary,
    requester: input.actor,
    since: startedAt,
    expiresAt: startedAt + budget,
  };
  // The record is read while the lock is taken: one DynamoDB round trip before the work, not two.
  const read = readAhead(deps.store, service.name);
  const attempt = await takeServiceLock(deps.store, service.name, lock, startedAt);
  let record: ReleaseRecord | undefined;
  const told = operationAudit(deps, {
    service: service.name,
    operationId,
    actor: input.actor,
    action: input.action,
    summary: input.summary,
  });
  /** Ends an operation that changed nothing: audit event and lock release only, the record untouched. */
  const endUnchanged = async (result: AuditResult, error: unknown) => {
    await told.only(result, error instanceof Error ? error.message : String(error));
    await deps.store.releaseLock(service.name, operationId, record?.version);
  };
  try {
    record = await loadRecord(deps, service, cluster, input.actor, () => read(attempt));
  } catch (error) {
    await endUnchanged(REFUSAL_CODES.has(toGrayError(error).code) ? 'refused' : 'failed', error).catch(() =>
      deps.store.releaseLock(service.name, operationId),
    );
    throw error;
  }
  if (record.drift && !DRIFT_ACTIONS.has(input.action)) {
    const error = new ReleaseRefusedError(
      `${input.summary}: ${service.name} has drifted from what gray recorded (${record.drift.lines.join('; ')}); run /gray adopt ${service.name} to accept the live state, or /gray reconcile ${service.name} to restore the record`,
    );
    await endUnchanged('refused', error);
    throw error;
  }
  // Fencing: before every cluster write (and every re-planned attempt) the lock must still be ours;
  // an operation that ran past its budget and lost the lock stops instead of writing over the new
  // holder. A lock is only ever taken over once expired (acquireLock, the sweeper), so while more
  // than half of the lease taken or renewed at `confirmedAt` is left it is ours without asking
  // DynamoDB (a lease, as in Gray & Cheriton 1989; half the budget is the margin for clock skew);
  // past that, the write waits for a renewal.
  let confirmedAt = startedAt;
  const fence = async () => {
    const now = nowSeconds(deps.clock);
    if (now - confirmedAt < budget / 2) return;
    if (!(await deps.store.renewLock(service.name, operationId, now + budget))) {
      const holder = await deps.store.getLock(service.name);
      throw new ReleaseConflictError(
        `${input.summary}: ${service.name}'s lock passed to ${holder ? `${holder.summary} by ${holder.requester}` : 'another operation'} after this one ran past its time budget; it stopped without further changes — check /gray status ${service.name}`,
      );
    }
    confirmedAt = now;
  };
  const fenced = fencedCluster(cluster, fence, input.summary);
  let savedVersion = record.version;
  const draft: ReleaseRecord = structuredClone(record);
  if (input.channel) draft.channel = input.channel;
  const ctx: OperationContext = {
    service,
    cluster: fenced,
    draft,
    operationId,
    startedAt,
    progress: async (message) => {
      // Progress is best effort: a Slack hiccup must never abort a rollout halfway.
      try {
        await deps.onProgress?.({ service: service.name, operationId, message });
      } catch {
        // ignored on purpose
      }
    },
    checkpoint: async () => {
      draft.version = savedVersion + 1;
      // Only while the lock is still ours: past its lease another operation may have read the record.
      await deps.store.save(structuredClone(draft), savedVersion, { heldBy: operationId });
      savedVersion = draft.version;
    },
  };
  const finish = async (result: AuditResult, message: string) => {
    input.amend?.(draft, result);
    const final: ReleaseRecord = {
      ...draft,
      version: savedVersion + 1,
      updatedAt: nowSeconds(deps.clock),
      updatedBy: input.actor,
    };
    const event = auditEvent(deps, final, input.actor, input.action, input.summary, result, {
      before: record,
      operationId,
      ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
      ...(result === 'succeeded' ? {} : { reason: message }),
    });
    try {
      await deps.store.save(final, savedVersion, { audit: event, releaseLock: operationId });
    } catch (error) {
      await deps.store.releaseLock(service.name, operationId).catch(() => undefined);
      throw error;
    }
    return final;
  };
  let message: string;
  try {
    message = await work(ctx);
  } catch (error) {
    const refused = error instanceof GrayError && REFUSAL_CODES.has(error.code);
    const { channel: _c1, ...before } = record;
    const { channel: _c2, ...after } = draft;
    try {
      const reason = error instanceof Error ? error.message : String(error);
      if (JSON.stringify(before) === JSON.stringify(after)) {
        await endUnchanged(refused ? 'refused' : 'failed', error);
      } else {
        // A commit that fails (the lock lost, the store down) writes nothing: the history still tells.
        await finish(refused ? 'refused' : 'failed', reason).catch(async (commitError: unknown) => {
          if (!(await told.alreadyTold())) {
            await told.only(refused ? 'refused' : 'failed', reason).catch(() => undefined);
          }
          throw commitError;
        });
      }
    } catch (recordError) {
      // The original error matters more to the user; the record is reconciled from the cluster later.
      (error as { recordError?: unknown }).recordError = recordError;
    }
    throw error;
  }
  let final: ReleaseRecord;
  try {
    final = await finish('succeeded', message);
  } catch (commitError) {
    // The change is in the cluster but not in the record (the sweeper reports the drift): say both.
    const why = commitError instanceof Error ? commitError.message : String(commitError);
    // Already told (its commit landed unanswered, or the sweeper recovered it): the commit's own error.
    if (await told.alreadyTold()) throw commitError;
    await told.only('failed', `${message}; but the record was not written: ${why}`).catch(() => undefined);
    if (!(commitError instanceof ReleaseConflictError)) throw commitError;
    // "another operation won — retry" would be wrong here: this change did go out.
    throw new ReleaseConflictError(
      `${message} — this change is in the cluster, but gray could not record it (the record or the lock changed under it: ${why}); check /gray status ${service.name} before changing it again`,
      { cause: commitError },
    );
  }
  return { kind: 'done', service: service.name, operationId, message, record: final };
}

/** Reads the live weights and header route of the service's VirtualService; undefined if it is missing. */
export async function readLiveRouting(ctx: Pick<OperationContext, 'service' | 'cluster'>) {
  const vs = await ctx.cluster.read({
    kind: 'VirtualService',
    namespace: ctx.service.namespace,
    name: ctx.service.virtualService,
  });
  if (!vs) return undefined;
  return { vs, weights: readWeights(ctx.service, vs), headerRoute: readHeaderRoute(ctx.service, vs) };
}
