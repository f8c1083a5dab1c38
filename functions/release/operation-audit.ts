/**
 * How an operation's end reaches the audit log (runOperation): the event a commit writes with the
 * record, and — when no record is written, or the commit itself fails — the event appended on its own.
 */
import { randomUUID } from 'node:crypto';
import type { ReleaseDeps } from './context.js';
import type { AuditEvent, AuditResult, ReleaseRecord } from './types.js';
import { snapshotOf } from './types.js';

/** Who did what, as the lock and every audit event of one operation name it. */
export interface OperationNames {
  service: string;
  operationId: string;
  actor: string;
  action: string;
  summary: string;
}

/**
 * An audit event of `record` as it is after the action (`after`), with `before` when given; `at` is
 * epoch milliseconds from the deps' clock.
 */
export function auditEvent(
  deps: ReleaseDeps,
  record: ReleaseRecord,
  actor: string,
  action: string,
  summary: string,
  result: AuditResult,
  extra: { before?: ReleaseRecord; reason?: string; operationId?: string; approvedBy?: string } = {},
): AuditEvent {
  return {
    service: record.service,
    at: deps.clock.now(),
    id: (deps.newId ?? randomUUID)(),
    actor,
    action,
    summary,
    result,
    ...(extra.reason ? { reason: extra.reason } : {}),
    ...(extra.before ? { before: snapshotOf(extra.before) } : {}),
    after: snapshotOf(record),
    ...(extra.operationId ? { operationId: extra.operationId } : {}),
    ...(extra.approvedBy ? { approvedBy: extra.approvedBy } : {}),
  };
}

/**
 * The audit writes an operation makes without its record: `only` appends its event alone (no record
 * write, no lock needed); `alreadyTold` says, after a failed commit, whether the newest 20 events
 * already end this operation — its own commit landed though the answer was lost, or the sweeper
 * recovered it after its lease ran out (recoverStaleLock names the operation id) — so it is not told
 * twice.
 */
export function operationAudit(deps: ReleaseDeps, names: OperationNames) {
  return {
    only: (result: AuditResult, reason: string): Promise<void> =>
      deps.store.appendAudit({
        service: names.service,
        at: deps.clock.now(),
        id: (deps.newId ?? randomUUID)(),
        actor: names.actor,
        action: names.action,
        summary: names.summary,
        result,
        reason,
        operationId: names.operationId,
      }),
    alreadyTold: async (): Promise<boolean> =>
      (await deps.store.history(names.service, 20).catch(() => [])).some(
        (e) => e.operationId === names.operationId,
      ),
  };
}
