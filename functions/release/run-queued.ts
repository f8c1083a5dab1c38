import type { OperationDone, ReleaseDeps } from './context.js';
import { type GrayError, REFUSAL_CODES, toGrayError } from './errors.js';
import { executeCommand } from './execute.js';
import type { OperationRecord, OperationState, OperationStore, StartResult } from './operations.js';
import { type LockAttempt, nowSeconds, type ReleaseStore } from './ports.js';
import type { ApprovalRequired } from './shift-weight.js';
import type { OperationLock, ReleaseRecord } from './types.js';

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

/** Thrown through the use case by its first lock take when the operation did not start there. */
class NotStarted extends Error {
  constructor(
    readonly found: Exclude<StartResult, 'started'> | 'store-error',
    cause?: unknown,
  ) {
    super(`the operation did not start: ${found}`, { cause });
  }
}

/**
 * `store` with one change: the use case's first take of `operation`'s lock starts the operation
 * (OperationStore.start: queued → running with the lock, which the operation holds since enqueue,
 * put in one transaction), so starting costs no round trip of its own — it runs alongside the use
 * case's record read and cluster reads. Anything else goes to `store`. Throws NotStarted from that
 * first take when the operation was not started (`onStarted` is called when it was).
 */
function startingStore(
  store: ReleaseStore,
  operations: OperationStore,
  operation: OperationRecord,
  onStarted: () => void,
): ReleaseStore {
  let started = false;
  const acquireLock = async (service: string, lock: OperationLock, now: number): Promise<LockAttempt> => {
    if (started || service !== operation.service || lock.operationId !== operation.operationId)
      return store.acquireLock(service, lock, now);
    let found: StartResult;
    try {
      found = await operations.start(service, lock, now);
    } catch (error) {
      throw new NotStarted('store-error', error);
    }
    if (found !== 'started') throw new NotStarted(found);
    started = true;
    onStarted();
    return { acquired: true, alreadyHeld: true };
  };
  return Object.create(store, { acquireLock: { value: acquireLock } }) as ReleaseStore;
}

/**
 * Runs one queued operation (the worker), given its id or its record as just enqueued by this
 * invocation (saves reading it back). It starts with the use case's own lock take (startingStore):
 * queued → running is conditional, so a redelivered invoke of a started or finished operation changes
 * nothing and returns `skipped`, and one delivered after its lock changed hands fails without running.
 * Reports start, progress and the end in the background, in order (a Slack hiccup never holds up or
 * stops the change), and waits for the last report before returning; leaves a started operation
 * finished and its service lock released. Throws only what the store throws (Lambda then retries the
 * job; a store error while starting leaves the operation queued for that retry).
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
  const lines: string[] = [];
  let started = false;
  const withProgress: ReleaseDeps & { operations: OperationStore } = {
    ...deps,
    store: startingStore(deps.store, deps.operations, operation, () => {
      started = true;
      void report({ state: 'running', lines: [] });
    }),
    onProgress: (event) => {
      lines.push(event.message);
      void report({ state: 'running', lines: [...lines] });
    },
  };
  let state: OperationState;
  let result: string;
  let record: ReleaseRecord | undefined;
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
    }
  } catch (error) {
    if (error instanceof NotStarted) {
      if (error.found === 'store-error') throw error.cause;
      if (error.found === 'not-queued') return 'skipped';
      result = `${operation.summary} on ${operation.service} did not run: its lock expired before the worker started it and the service has changed hands since; ask again`;
      if (!(await deps.operations.transition(operationId, ['queued'], 'failed', { result }, now())))
        return 'skipped';
      await report({ state: 'failed', lines: [], result });
      return 'failed';
    }
    const shown = userFacingError(error, operationId);
    if (!shown.error.expose) deps.logError?.(error, operationId);
    state = shown.refused ? 'refused' : 'failed';
    result = shown.message;
  }
  if (!started) {
    // Ended before its first lock take (a use case check, a configuration error): nothing ran. It is
    // ended here only while still queued: a delivery that started it meanwhile owns it and its lock
    // (the same operation id), and must not have that lock released under it.
    if (!(await deps.operations.transition(operationId, ['queued'], state, { result }, now())))
      return 'skipped';
    await deps.store.releaseLock(operation.service, operationId);
    await report({ state, lines: [], result });
    return state;
  }
  // The use case releases the lock on every path it owns — a done operation's commit released it with
  // the record; this covers a refusal or failure whose own release failed quietly.
  if (state !== 'succeeded') await deps.store.releaseLock(operation.service, operationId);
  // A sweep between the release and this write may have ended the operation from its audit event
  // and told the channel: then that is the ending, and reporting it again would say it twice.
  if (!(await deps.operations.transition(operationId, ['running'], state, { result }, now()))) return state;
  await report({ state, lines: [...lines], result, ...(record ? { record } : {}) });
  return state;
}
