import type { OperationDone, ReleaseDeps } from './context.js';
import { type GrayError, REFUSAL_CODES, toGrayError } from './errors.js';
import { executeCommand } from './execute.js';
import type { OperationRecord, OperationState, OperationStore } from './operations.js';
import { budgetSeconds } from './policy.js';
import { nowSeconds } from './ports.js';
import type { ApprovalRequired } from './shift-weight.js';
import type { ReleaseRecord } from './types.js';

/** A change of an operation's visible state: what the reporter shows (one message, edited in place). */
export interface OperationUpdate {
  state: OperationState;
  /** Progress lines so far, oldest first ("rolling out green: 1/2 ready"). */
  lines: string[];
  /** The final result or error message (exposed errors verbatim, others with the correlation id). */
  result?: string;
  /** The committed record after a success (views offer next steps from it). */
  record?: ReleaseRecord;
}

/** Shows an operation's progress to people (Slack: one channel message per operation, edited). */
export interface OperationReporter {
  /** Called on start, on each progress line and at the end. */
  report(operation: OperationRecord, update: OperationUpdate): Promise<void>;
}

/** Turns an error into the line users see: exposed messages verbatim, others with a correlation id. */
export function userFacingError(
  error: unknown,
  correlationId: string,
): { message: string; refused: boolean; error: GrayError } {
  const gray = toGrayError(error);
  const message = gray.expose
    ? gray.message
    : `gray hit an internal error (correlation id ${correlationId}); the logs have the details`;
  return { message, refused: REFUSAL_CODES.has(gray.code), error: gray };
}

/**
 * Sends an operation's reports in order without holding the operation up: each waits for the one
 * before (the first posts the message the others edit); a report that fails is logged, never thrown.
 */
function orderedReports(
  reporter: OperationReporter,
  operation: OperationRecord,
  logError: ((error: unknown, operationId: string) => void) | undefined,
) {
  let last: Promise<void> = Promise.resolve();
  return (update: OperationUpdate): Promise<void> => {
    last = last
      .then(() => reporter.report(operation, update))
      .catch((error: unknown) => logError?.(error, `report:${operation.operationId}`));
    return last;
  };
}

/**
 * Runs one queued operation (the worker), given its id or its record as just enqueued by this
 * invocation (saves reading it back): queued → running is a conditional write, so a redelivered
 * invoke of a started or finished operation does nothing and returns `skipped`. Reports start,
 * progress and the end in the background, in order (a Slack hiccup never holds up or stops the
 * change), and waits for the last report before returning; always leaves the operation finished
 * and the service lock released. Throws only what the store throws (Lambda then retries the job).
 */
export async function runQueuedOperation(
  deps: ReleaseDeps & {
    operations: OperationStore;
    logError?: (error: unknown, operationId: string) => void;
  },
  queued: string | OperationRecord,
  reporter: OperationReporter,
): Promise<OperationState | 'skipped'> {
  const now = () => nowSeconds(deps.clock);
  const operation = typeof queued === 'string' ? await deps.operations.getOperation(queued, now()) : queued;
  if (operation?.state !== 'queued') return 'skipped';
  const { operationId } = operation;
  const report = orderedReports(reporter, operation, deps.logError);
  // Its lock was taken with it; renewing it (conditional on this operation) before the change keeps a
  // job delivered late — after the budget ran out and another operation held the lock — from undoing
  // that operation's change, and keeps anyone from taking the lock over while this one starts. The
  // renewal and queued → running are independent conditional writes, made at once.
  const service = deps.config.services.find((s) => s.name === operation.service);
  const budget = service ? budgetSeconds(service, operation.command) : 120;
  const [renewal, start] = await Promise.allSettled([
    deps.store.renewLock(operation.service, operationId, now() + budget),
    deps.operations.transition(operationId, ['queued'], 'running', {}, now()),
  ]);
  if (start.status === 'rejected') throw start.reason;
  if (!start.value) return 'skipped';
  if (renewal.status === 'rejected') {
    // Started but not known to be safe to run: back to queued, so Lambda's retry of the job runs it
    // (a retry finding it running would skip it, leaving it to the sweeper as never run).
    await deps.operations.transition(operationId, ['running'], 'queued', {}, now());
    throw renewal.reason;
  }
  if (!renewal.value) {
    const result = `${operation.summary} on ${operation.service} did not run: its lock expired before the worker started it and the service has changed hands since; ask again`;
    await deps.operations.transition(operationId, ['running'], 'failed', { result }, now());
    await report({ state: 'failed', lines: [], result });
    return 'failed';
  }
  const lines: string[] = [];
  void report({ state: 'running', lines: [] });
  const withProgress: ReleaseDeps & { operations: OperationStore } = {
    ...deps,
    onProgress: (event) => {
      lines.push(event.message);
      void report({ state: 'running', lines: [...lines] });
    },
  };
  let state: OperationState;
  let result: string;
  let record: ReleaseRecord | undefined;
  // A done operation's commit released the lock with the record (runOperation's only way to return
  // done); every other ending may leave it held, so the release below covers those.
  let released = false;
  try {
    const outcome: OperationDone | ApprovalRequired = await executeCommand(withProgress, operation.command, {
      actor: operation.actor,
      operationId,
      approved: operation.approvedBy !== undefined,
      ...(operation.approvedBy ? { approvedBy: operation.approvedBy } : {}),
      ...(operation.channel ? { channel: operation.channel } : {}),
    });
    if (outcome.kind === 'approval-required') {
      state = 'refused';
      result = `${outcome.summary} needs approval: ${outcome.reason}`;
    } else {
      state = 'succeeded';
      result = outcome.message;
      record = outcome.record;
      released = true;
    }
  } catch (error) {
    const shown = userFacingError(error, operationId);
    if (!shown.error.expose) deps.logError?.(error, operationId);
    state = shown.refused ? 'refused' : 'failed';
    result = shown.message;
  } finally {
    // The use case releases the lock on every path it owns; this covers errors raised before it took
    // it, and a refusal whose release failed quietly (runOperation keeps the original error).
    if (!released) await deps.store.releaseLock(operation.service, operationId);
  }
  await deps.operations.transition(operationId, ['running'], state, { result }, now());
  await report({ state, lines: [...lines], result, ...(record ? { record } : {}) });
  return state;
}
