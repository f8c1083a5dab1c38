/**
 * Queued operations and approval requests: what the Slack ack path records before the worker runs a
 * command, and what approvers decide on. Times are epoch seconds.
 */
import type { ResolvedWriteCommand } from './commands.js';
import type { AuditEvent, HeaderRoute, OperationLock, Weights } from './types.js';

/** Where an operation stands. */
export type OperationState =
  /** Recorded by the ack path; the lock is held; the worker has not started. */
  | 'queued'
  /** The worker is running it. */
  | 'running'
  /** Done; `result` says what changed. */
  | 'succeeded'
  /** Ended with an error; `result` says why; the record was left consistent. */
  | 'failed'
  /** Refused by a rule (not ready, traffic on the slot…); nothing changed. */
  | 'refused';

/** One requested write, from the ack path to the worker. */
export interface OperationRecord {
  operationId: string;
  service: string;
  command: ResolvedWriteCommand;
  summary: string;
  actor: string;
  /** Slack channel the result is reported in; absent for CLI-only operations. */
  channel?: string;
  /** The channel message edited as the operation progresses. */
  messageTs?: string;
  approvedBy?: string;
  state: OperationState;
  result?: string;
  createdAt: number;
  updatedAt: number;
  /** TTL (epoch seconds) after which DynamoDB may delete the record; readers ignore it after then. */
  expiresAt: number;
}

/** Planned change shown to approvers. */
export interface PlannedRouting {
  weights: Weights;
  headerRoute?: HeaderRoute;
}

/** An approval request for a command the service's policy holds back. */
export interface ApprovalRecord {
  approvalId: string;
  service: string;
  command: ResolvedWriteCommand;
  summary: string;
  requester: string;
  channel: string;
  messageTs?: string;
  reason: string;
  before: PlannedRouting;
  after: PlannedRouting;
  approvers: string[];
  status: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  decidedAt?: number;
  createdAt: number;
  /** Epoch seconds; a pending request past this time cannot be approved. */
  expiresAt: number;
}

/** Result of enqueueing: queued, a duplicate delivery of an earlier request, or the lock holder. */
export type EnqueueResult =
  | { kind: 'queued' }
  | { kind: 'duplicate'; operationId: string }
  | { kind: 'busy'; holder: OperationLock };

/**
 * What OperationStore.start found: `started` (it is running and holds its lock), `not-queued` (another
 * delivery started it, or it ended), `lock-lost` (still queued, but its lock changed hands).
 */
export type StartResult = 'started' | 'not-queued' | 'lock-lost';

/** Result of deciding an approval: decided now, or why not (already decided, expired, missing). */
export type DecideResult =
  | { kind: 'decided'; approval: ApprovalRecord }
  | { kind: 'already-decided'; approval: ApprovalRecord }
  | { kind: 'expired'; approval: ApprovalRecord }
  | { kind: 'missing' };

/** Persistence of operations, approvals and one-shot delivery keys (DynamoDB in production). */
export interface OperationStore {
  /**
   * In one transaction: records the operation, takes the service lock for it and claims
   * `idempotencyKey` (when given). Nothing is written unless all three succeed, except that a request
   * refused as `busy` claims its key for that refusal: a later delivery with the same key gets the
   * same `busy` answer (the holder then), never a run once the lock is free.
   */
  enqueue(
    operation: OperationRecord,
    lock: OperationLock,
    idempotencyKey: string | undefined,
    now: number,
  ): Promise<EnqueueResult>;
  /**
   * queued → running, together with putting the operation's service lock as `lock` while this
   * operation still holds it (taken at enqueue; `lock.expiresAt` renews it), in one transaction:
   * a redelivered job of a started operation writes nothing, and a late one whose lock changed hands
   * never starts. Returns what it found (StartResult); throws store errors, having written nothing.
   */
  start(service: string, lock: OperationLock, now: number): Promise<StartResult>;
  /** Reads an operation; one whose TTL passed counts as absent. */
  getOperation(operationId: string, now: number): Promise<OperationRecord | undefined>;
  /** Moves an operation from one of `from` to `to` with extra fields; false if it was not in `from`. */
  transition(
    operationId: string,
    from: OperationState[],
    to: OperationState,
    fields: Partial<Pick<OperationRecord, 'result' | 'messageTs' | 'channel'>>,
    now: number,
  ): Promise<boolean>;
  /**
   * Operations still queued or running whose lock budget ended before `now` (epoch s): a Query on the
   * due index, so the sweeper finds ones whose worker died after releasing the lock but before finishing.
   */
  listStaleOperations(now: number): Promise<OperationRecord[]>;
  /** Stores the Slack message of an operation. */
  setOperationMessage(operationId: string, channel: string, messageTs: string): Promise<void>;
  /** Records a new approval request and its audit event in one transaction. */
  createApproval(approval: ApprovalRecord, audit: AuditEvent): Promise<void>;
  /** Reads an approval request (TTL-expired ones count as absent after their retention). */
  getApproval(approvalId: string): Promise<ApprovalRecord | undefined>;
  /** Stores the Slack message of an approval request. */
  setApprovalMessage(approvalId: string, channel: string, messageTs: string): Promise<void>;
  /** pending → approved/rejected, only while pending and not expired at `now`: a conditional write. */
  decide(
    approvalId: string,
    decision: 'approved' | 'rejected',
    by: string,
    now: number,
  ): Promise<DecideResult>;
  /** Claims a delivery key (Slack event id, action id…) once for `ttlSeconds`; false if already claimed. */
  claimOnce(key: string, ttlSeconds: number, now: number): Promise<boolean>;
}
