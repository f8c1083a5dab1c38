/**
 * Requesting a change: validate, authorise, and record a command (or an approval request) with one
 * DynamoDB read and one transactional write (plus, for a slash command refused as busy, the write
 * that keeps it refused) — never a Kubernetes call. The worker runs these
 * for Slack right after the Slack function acked (functions/slack/worker-submit.ts); the operation
 * then runs under the lock they took.
 */
import { createHash, randomUUID } from 'node:crypto';
import { findService, type GrayConfig } from '../config.js';
import { type ResolvedWriteCommand, summarizeCommand, type WriteCommand } from './commands.js';
import { clockTime } from './context.js';
import { ReleaseRefusedError, ServiceBusyError } from './errors.js';
import type { ApprovalRecord, OperationRecord, OperationStore } from './operations.js';
import { approvalNeeded, authorize, budgetSeconds, NotAllowedError, resolveService } from './policy.js';
import { type Clock, nowSeconds, type ReleaseStore } from './ports.js';

/** What requesting needs: config, the release store (reads), the operation store, a clock. */
export interface RequestDeps {
  config: GrayConfig;
  store: ReleaseStore;
  operations: OperationStore;
  clock: Clock;
  newId?: () => string;
  /** Approval requests expire after this many seconds (default 3,600: one hour). */
  approvalTtlSeconds?: number;
}

/** Outcome of a request: queued for the worker, a duplicate delivery, or waiting for an approver. */
export type RequestResult =
  | { kind: 'queued'; operation: OperationRecord }
  | { kind: 'duplicate'; operationId: string }
  | { kind: 'approval-requested'; approval: ApprovalRecord };

const OPERATION_TTL_SECONDS = 30 * 86400;

/** A UUID-shaped id derived from a delivery key (version nibble 8: custom), the same for every redelivery. */
function keyedId(kind: string, key: string): string {
  const hex = createHash('sha256').update(`${kind}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Records `operation` and takes the service lock in one conditional transaction. Throws
 * ServiceBusyError naming the holder; returns `duplicate` when `idempotencyKey` was seen.
 */
export async function enqueueOperation(
  deps: Pick<RequestDeps, 'config' | 'operations' | 'clock'>,
  command: ResolvedWriteCommand,
  context: {
    actor: string;
    channel?: string;
    operationId: string;
    approvedBy?: string;
    idempotencyKey?: string;
  },
): Promise<RequestResult> {
  const service = findService(deps.config, command.service);
  const now = nowSeconds(deps.clock);
  const summary = summarizeCommand(command);
  const operation: OperationRecord = {
    operationId: context.operationId,
    service: service.name,
    command,
    summary,
    actor: context.actor,
    ...(context.channel ? { channel: context.channel } : {}),
    ...(context.approvedBy ? { approvedBy: context.approvedBy } : {}),
    state: 'queued',
    createdAt: now,
    updatedAt: now,
    expiresAt: now + OPERATION_TTL_SECONDS,
  };
  const lock = {
    operationId: operation.operationId,
    action: command.verb,
    summary,
    requester: context.actor,
    since: now,
    expiresAt: now + budgetSeconds(service, command),
  };
  const result = await deps.operations.enqueue(operation, lock, context.idempotencyKey, now);
  if (result.kind === 'busy') {
    const { summary: held, requester, since } = result.holder;
    throw new ServiceBusyError(
      `${service.name} is busy: ${held} by <@${requester}> since ${clockTime(since)}; wait for it to finish, then retry`,
    );
  }
  return result.kind === 'duplicate' ? result : { kind: 'queued', operation };
}

/**
 * requestOperation(command, actor, channel): resolves `[svc]`, authorises the actor and channel,
 * then either records an approval request (policy) or queues the operation under the service lock.
 * With `idempotencyKey` a redelivered request applies once: the operation's enqueue claims the key
 * (`duplicate`), and the approval request's id derives from it (the first request is returned again).
 * Throws UnknownServiceError, NotAllowedError, ReleaseRefusedError, ServiceBusyError.
 */
export async function requestOperation(
  deps: RequestDeps,
  input: { command: WriteCommand; actor: string; channel: string; idempotencyKey?: string },
): Promise<RequestResult> {
  const { config } = deps;
  const named = input.command.service;
  const records = named
    ? [await deps.store.get(findService(config, named).name)].filter((r) => r !== undefined)
    : await deps.store.getMany(config.services.map((s) => s.name));
  const serviceName = resolveService(config, input.command, input.channel, records);
  const service = findService(config, serviceName);
  const command = { ...input.command, service: serviceName } as ResolvedWriteCommand;
  try {
    authorize(service, input.actor, input.channel);
  } catch (error) {
    // Nothing is recorded for an unauthorised request but the refusal itself.
    await deps.store.appendAudit({
      service: serviceName,
      at: deps.clock.now(),
      id: (deps.newId ?? randomUUID)(),
      actor: input.actor,
      action: input.command.verb,
      summary: summarizeCommand(command),
      result: 'refused',
      reason: (error as Error).message,
    });
    throw error;
  }
  const record = records.find((r) => r.service === serviceName);
  const need = approvalNeeded(service, command, record);
  const newId = deps.newId ?? randomUUID;
  if (need) {
    if (service.approvers.length === 0) {
      throw new NotAllowedError(
        `${summarizeCommand(command)} on ${serviceName} needs approval (${need.reason}) but no approvers are configured; add approvers in gray.config.yaml`,
      );
    }
    const key = input.idempotencyKey;
    const approvalId = key ? keyedId('approval', key) : newId();
    const earlier = key ? await deps.operations.getApproval(approvalId) : undefined;
    if (earlier) return { kind: 'approval-requested', approval: earlier };
    const now = nowSeconds(deps.clock);
    const approval: ApprovalRecord = {
      approvalId,
      service: serviceName,
      command,
      summary: summarizeCommand(command),
      requester: input.actor,
      channel: input.channel,
      reason: need.reason,
      before: need.before,
      after: need.after,
      approvers: service.approvers,
      status: 'pending',
      createdAt: now,
      expiresAt: now + (deps.approvalTtlSeconds ?? 3600),
    };
    try {
      await deps.operations.createApproval(approval, {
        service: serviceName,
        at: deps.clock.now(),
        id: newId(),
        actor: input.actor,
        action: 'approval',
        summary: `request approval: ${approval.summary}`,
        result: 'succeeded',
        reason: need.reason,
      });
    } catch (error) {
      // Two deliveries of one request at once: the other one created it (the write is conditional).
      const created = key ? await deps.operations.getApproval(approvalId) : undefined;
      if (!created) throw error;
      return { kind: 'approval-requested', approval: created };
    }
    return { kind: 'approval-requested', approval };
  }
  return enqueueOperation(deps, command, {
    actor: input.actor,
    channel: input.channel,
    operationId: newId(),
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  });
}

/**
 * decideApproval(approvalId, approver, decision): only a listed approver who is not the requester
 * may approve; pending → decided is a conditional write, so a double click or two approvers at once
 * decide exactly once. An approval queues the operation (id = approval id, so it runs once).
 * Throws NotAllowedError, ReleaseRefusedError ("already approved by …", "expired at …"), ServiceBusyError.
 */
export async function decideApproval(
  deps: RequestDeps,
  input: { approvalId: string; actor: string; decision: 'approved' | 'rejected' },
): Promise<{ approval: ApprovalRecord; operation?: OperationRecord; requeued?: true }> {
  const approval = await deps.operations.getApproval(input.approvalId);
  if (!approval)
    throw new ReleaseRefusedError('this approval request no longer exists; ask for the change again');
  const verb = input.decision === 'approved' ? 'approve' : 'reject';
  if (input.decision === 'approved' && input.actor === approval.requester) {
    throw new NotAllowedError(`you requested ${approval.summary}; another approver must approve it`);
  }
  if (
    !approval.approvers.includes(input.actor) &&
    !(input.decision === 'rejected' && input.actor === approval.requester)
  ) {
    throw new NotAllowedError(
      `only ${approval.approvers.map((a) => `<@${a}>`).join(', ')} can ${verb} ${approval.summary} on ${approval.service}`,
    );
  }
  const now = nowSeconds(deps.clock);
  const result = await deps.operations.decide(input.approvalId, input.decision, input.actor, now);
  if (result.kind === 'missing')
    throw new ReleaseRefusedError('this approval request no longer exists; ask for the change again');
  if (result.kind === 'expired') {
    throw new ReleaseRefusedError(
      `${approval.summary} on ${approval.service} expired at ${clockTime(approval.expiresAt)}; ask for it again`,
    );
  }
  if (result.kind === 'already-decided') {
    const { status, decidedBy } = result.approval;
    // Approved, but its operation was never queued (the service was busy then, or the worker stopped
    // between the two writes): an approver's new click queues it, while the request is still valid.
    if (
      input.decision === 'approved' &&
      status === 'approved' &&
      now < approval.expiresAt &&
      !(await deps.operations.getOperation(approval.approvalId, now))
    ) {
      // The clicker did not decide it: `requeued` lets the caller say who did (a click racing the
      // first approver's own enqueue lands here too; the shared operation id runs it once).
      return { ...(await queueApproved(deps, result.approval)), requeued: true };
    }
    throw new ReleaseRefusedError(
      `${approval.summary} on ${approval.service} was already ${status} by <@${decidedBy}>`,
    );
  }
  await deps.store.appendAudit({
    service: approval.service,
    at: deps.clock.now(),
    id: (deps.newId ?? randomUUID)(),
    actor: input.actor,
    action: 'approval',
    summary: `${verb}: ${approval.summary} (requested by ${approval.requester})`,
    result: 'succeeded',
  });
  if (input.decision === 'rejected') return { approval: result.approval };
  return queueApproved(deps, result.approval);
}

/**
 * Queues an approved request's operation under its approval id (so it runs once) for its requester,
 * approved by `decidedBy`. Throws ServiceBusyError; the approval stays approved, and the next click of
 * an approver queues it (decideApproval).
 */
async function queueApproved(
  deps: RequestDeps,
  approval: ApprovalRecord,
): Promise<{ approval: ApprovalRecord; operation?: OperationRecord }> {
  const queued = await enqueueOperation(deps, approval.command, {
    actor: approval.requester,
    channel: approval.channel,
    operationId: approval.approvalId,
    ...(approval.decidedBy ? { approvedBy: approval.decidedBy } : {}),
  });
  return queued.kind === 'queued' ? { approval, operation: queued.operation } : { approval };
}
