/**
 * The service lock around a canary use case that checks the record first and then hands over to an
 * existing use case (shiftWeight, rollback) under the same operation id, which re-takes the same lock.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceConfig } from '../../config.js';
import type { ReleaseDeps } from '../context.js';
import { ReleaseRefusedError } from '../errors.js';
import { nowSeconds } from '../ports.js';
import { takeServiceLock } from '../service-lock.js';

/** Who the lock is for and what it says while held. */
export interface LockRequest {
  /** An id that may already hold the lock (the Slack ack path's operation); a new one otherwise. */
  operationId?: string;
  action: string;
  summary: string;
  actor: string;
  /** Seconds before the lock counts as stale (default 120). */
  budgetSeconds?: number;
}

/**
 * Takes the service lock (or keeps it, when `operationId` already holds it), runs `work` with the
 * operation id, and releases the lock afterwards unless a use case already did (releasing a lock this
 * operation no longer holds is a no-op). Throws ServiceBusyError naming the holder, or what `work` throws.
 */
export async function withServiceLock<T>(
  deps: ReleaseDeps,
  service: ServiceConfig,
  request: LockRequest,
  work: (operationId: string) => Promise<T>,
): Promise<T> {
  const now = nowSeconds(deps.clock);
  const operationId = request.operationId ?? (deps.newId ?? randomUUID)();
  await takeServiceLock(
    deps.store,
    service.name,
    {
      operationId,
      action: request.action,
      summary: request.summary,
      requester: request.actor,
      since: now,
      expiresAt: now + (request.budgetSeconds ?? 120),
    },
    now,
  );
  try {
    return await work(operationId);
  } finally {
    await deps.store.releaseLock(service.name, operationId);
  }
}

/**
 * Records a refusal in the audit log (nothing else changes) and returns the error to throw:
 * `refuse(deps, …, 'canary: no canary is running on address-service; …')`.
 */
export async function refuse(
  deps: ReleaseDeps,
  input: { service: string; actor: string; action: string; summary: string; operationId: string },
  message: string,
): Promise<ReleaseRefusedError> {
  await deps.store.appendAudit({
    service: input.service,
    at: deps.clock.now(),
    id: (deps.newId ?? randomUUID)(),
    actor: input.actor,
    action: input.action,
    summary: input.summary,
    result: 'refused',
    reason: message,
    operationId: input.operationId,
  });
  return new ReleaseRefusedError(message);
}
