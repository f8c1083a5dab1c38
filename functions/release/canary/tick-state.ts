/** State shared by the canary tick and its actions: the context, the update it reports, the save. */
import type { ServiceConfig } from '../../config.js';
import type { ReleaseDeps } from '../context.js';
import type { ApprovalRecord, OperationStore } from '../operations.js';
import type { AuditResult, ReleaseRecord } from '../types.js';
import type { CanaryState } from './model.js';

/** The actor gray's own canary steps are recorded under. */
export const CANARY_ACTOR = 'gray-canary';

/** What a tick did, for the canary's Slack message (edited) and, when `notify`, a new channel message. */
export interface CanaryUpdate {
  service: string;
  channel?: string;
  /** The record after the tick: its `canary` is what the message shows. */
  record: ReleaseRecord;
  /** One line for people, with the numbers. */
  text: string;
  /** True for outcomes people must not miss: rollback, promotion, approval asked, canary ended or stuck. */
  notify: boolean;
  /** A promotion approval request to post (the same as /gray promote would). */
  approval?: ApprovalRecord;
}

/** What a tick needs: the release deps (with `metricsFor`) and the operation store for approvals. */
export type CanaryDeps = ReleaseDeps & { operations: OperationStore };

/** Everything the tick's steps share. */
export interface TickContext {
  deps: CanaryDeps;
  service: ServiceConfig;
  record: ReleaseRecord;
  canary: CanaryState;
  now: number;
  operationId: string;
}

/**
 * Claims `service`'s lock for the tick's operation id, as the canary's analysis, for `seconds` from
 * `now` (epoch seconds). False when another operation holds it (the next sweep retries).
 */
export async function claimTickLock(
  ctx: Pick<TickContext, 'deps' | 'now' | 'operationId'>,
  service: string,
  seconds: number,
): Promise<boolean> {
  const { deps, now, operationId } = ctx;
  const lock = {
    operationId,
    action: 'canary-check',
    summary: 'canary analysis',
    requester: CANARY_ACTOR,
    since: now,
    expiresAt: now + seconds,
  };
  return (await deps.store.acquireLock(service, lock, now)).acquired;
}

/** Builds an update for the record. */
export function canaryUpdate(
  record: ReleaseRecord,
  text: string,
  notify: boolean,
  extra: Pick<CanaryUpdate, 'approval'> = {},
): CanaryUpdate {
  return {
    service: record.service,
    ...(record.channel ? { channel: record.channel } : {}),
    record,
    text,
    notify,
    ...extra,
  };
}

/**
 * Saves `canary` on `record` (conditional on its version) and releases the tick's lock in the same
 * write; with `audit`, an audit event too. Returns the saved record. Throws ReleaseConflictError.
 */
export async function saveCanary(
  ctx: Pick<TickContext, 'deps' | 'now' | 'operationId'>,
  record: ReleaseRecord,
  canary: CanaryState,
  audit?: { action: string; summary: string; result: AuditResult; reason: string },
): Promise<ReleaseRecord> {
  const next: ReleaseRecord = {
    ...record,
    canary,
    version: record.version + 1,
    updatedAt: ctx.now,
    updatedBy: CANARY_ACTOR,
  };
  await ctx.deps.store.save(next, record.version, {
    releaseLock: ctx.operationId,
    ...(audit
      ? {
          audit: {
            service: record.service,
            at: ctx.deps.clock.now(),
            id: `${ctx.operationId}:${audit.action}`,
            actor: CANARY_ACTOR,
            ...audit,
            operationId: ctx.operationId,
          },
        }
      : {}),
  });
  return next;
}

/** The canary without its per-phase fields (note, approval), as each transition starts from. */
export function baseCanary(canary: CanaryState): CanaryState {
  const { note: _note, approvalId: _approval, ...rest } = canary;
  return rest;
}
