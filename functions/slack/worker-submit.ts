/**
 * The worker's side of a write request from Slack (a typed command or a next-step button): record it
 * under the service lock (or ask for approval), answer the user through the response_url with the
 * texts the Slack function used to ack with, then run the operation right here.
 */
import type { WriteCommand } from '../release/commands.js';
import type { OperationRecord } from '../release/operations.js';
import type { RequestResult } from '../release/request.js';
import { requestOperation } from '../release/request.js';
import { runQueuedOperation, userFacingError } from '../release/run-queued.js';
import { requestDeps, type WorkerDeps } from './deps.js';
import { renderApprovalRequest } from './views/approval.js';
import type { MessageView } from './views/blocks.js';
import { renderError } from './views/error.js';

/**
 * Posts an ephemeral reply (`replace_original: false`) to `responseUrl`. Best effort: a reply Slack
 * refuses (expired or used-up URL) is logged, never allowed to stop the work it reports on.
 */
export async function reply(
  deps: WorkerDeps,
  responseUrl: string,
  view: { text: string; blocks?: unknown[] },
  correlationId: string,
): Promise<void> {
  if (!responseUrl) return;
  try {
    await deps.respond(responseUrl, { response_type: 'ephemeral', replace_original: false, ...view });
  } catch (error) {
    deps.logError(error, `reply:${correlationId}`);
  }
}

/** A refusal or failure as the user sees it: exposed messages verbatim, others by correlation id (logged). */
export function failure(deps: WorkerDeps, error: unknown, correlationId: string): MessageView {
  const shown = userFacingError(error, correlationId);
  if (!shown.error.expose) deps.logError(error, correlationId);
  return renderError(shown.message, shown.error.expose ? undefined : correlationId);
}

/** Posts an approval request in its channel (once: a redelivery finds its message) and remembers it. */
async function postApproval(
  deps: WorkerDeps,
  result: Extract<RequestResult, { kind: 'approval-requested' }>,
): Promise<void> {
  const { approval } = result;
  if (approval.messageTs) return;
  const posted = await deps.web.chat.postMessage({
    channel: approval.channel,
    ...renderApprovalRequest(approval),
  });
  await deps.operations.setApprovalMessage(approval.approvalId, approval.channel, posted.ts as string);
}

/** What a submitted request tells the user, and the operation to run now (absent: nothing to run). */
export interface Submitted {
  text: string;
  operationId?: string;
  /** The operation as just queued by this request (absent for a redelivery: it is read back). */
  operation?: OperationRecord;
}

/**
 * Records a write request: `queued: weight 25 on address-service (operation …); progress follows in
 * this channel`, `already queued (operation …)` for a redelivery of the same `key`, or the approval
 * notice (the request posted in the channel). Throws what requestOperation throws (refusals).
 */
export async function submit(
  deps: WorkerDeps,
  command: WriteCommand,
  actor: string,
  channel: string,
  key?: string,
): Promise<Submitted> {
  const result = await requestOperation(requestDeps(deps), {
    command,
    actor,
    channel,
    ...(key ? { idempotencyKey: key } : {}),
  });
  if (result.kind === 'duplicate') {
    // Only a redelivery of this very job claims the same key; if its operation never started, run it.
    return { text: `already queued (operation ${result.operationId})`, operationId: result.operationId };
  }
  if (result.kind === 'approval-requested') {
    await postApproval(deps, result);
    const { approval } = result;
    return {
      text: `${approval.summary} on ${approval.service} needs approval (${approval.reason}); asked ${approval.approvers.map((a) => `<@${a}>`).join(', ')}`,
    };
  }
  const { operation } = result;
  return {
    text: `queued: ${operation.summary} on ${operation.service} (operation ${operation.operationId}); progress follows in this channel`,
    operationId: operation.operationId,
    operation,
  };
}

/**
 * Runs a queued operation in this invocation (reported in its channel by the reporter). Idempotent: an
 * operation already started or finished is skipped. Errors it cannot report (the store unreachable)
 * propagate, so Lambda retries the job and the retry finds the operation still queued.
 */
export async function runOperation(deps: WorkerDeps, queued: string | OperationRecord): Promise<void> {
  await runQueuedOperation(
    { ...deps.release, operations: deps.operations, logError: deps.logError },
    queued,
    deps.reporter,
  );
}

/**
 * Answers a submitted request on `responseUrl` while its operation (if any) runs: the user's answer
 * and the change do not wait for each other. Throws what runOperation throws, once the answer is out.
 */
export async function answerAndRun(
  deps: WorkerDeps,
  responseUrl: string,
  submitted: Submitted,
  correlationId: string,
): Promise<void> {
  const answered = reply(deps, responseUrl, { text: submitted.text }, correlationId);
  const queued = submitted.operation ?? submitted.operationId;
  try {
    if (queued) await runOperation(deps, queued);
  } finally {
    await answered;
  }
}
