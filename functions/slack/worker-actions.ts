/**
 * The worker's handling of button clicks and App Home: each click is claimed once (its delivery key),
 * checked like a typed command, decided or queued, and answered through its response_url; the Home
 * tab is published once per event.
 */

import { parseWeight } from '../release/arguments.js';
import type { WriteCommand } from '../release/commands.js';
import { InvalidInputError } from '../release/errors.js';
import { nowSeconds } from '../release/ports.js';
import { decideApproval } from '../release/request.js';
import { requestDeps, type WorkerDeps } from './deps.js';
import type { ActionJob, HomeJob } from './dispatch.js';
import { renderAppHome } from './views/app-home.js';
import { renderApprovalDecision } from './views/approval.js';
import { recordedStatus } from './views/recorded-status.js';
import { answerAndRun, failure, reply, runOperation, type Submitted, submit } from './worker-submit.js';

/** One day: Slack retries and double clicks come within seconds; the key outlives them by far. */
const DELIVERY_KEY_TTL_SECONDS = 86400;

/** Parses a button's JSON value `{"service": "...", ...}`; throws InvalidInputError for anything else. */
function buttonValue(text: string): { service: string; weight?: number } {
  try {
    const value = JSON.parse(text) as { service?: unknown; weight?: unknown };
    if (
      typeof value.service === 'string' &&
      (value.weight === undefined || typeof value.weight === 'number')
    ) {
      return value as { service: string; weight?: number };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('this button is out of date; use /gray status to get fresh buttons');
}

/** Buttons carry values too; they get the same checks as typed commands before anything is queued. */
function parseExtendSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds > 7 * 86400) {
    throw new InvalidInputError('this Extend button is out of date; use /gray teardown <service> extend 2h');
  }
  return seconds;
}

/** The canary message's buttons and the commands they queue (Promote now is `gray_promote`). */
const CANARY_BUTTONS: Record<string, 'canary-pause' | 'canary-resume' | 'canary-abort'> = {
  gray_canary_pause: 'canary-pause',
  gray_canary_resume: 'canary-resume',
  gray_canary_abort: 'canary-abort',
};

/** The write command a next-step button asks for; throws InvalidInputError for a stale or unknown button. */
function buttonCommand(job: ActionJob): WriteCommand {
  const value = buttonValue(job.value);
  const service = value.service;
  const weight = /^gray_weight_(\d+)$/.exec(job.actionId)?.[1];
  const extend = /^gray_teardown_extend_(\d+)$/.exec(job.actionId)?.[1];
  const canaryVerb = CANARY_BUTTONS[job.actionId];
  if (canaryVerb) return { verb: canaryVerb, service };
  if (job.actionId === 'gray_promote') return { verb: 'promote', service };
  if (job.actionId === 'gray_rollback') return { verb: 'rollback', service };
  if (job.actionId === 'gray_teardown_cancel') return { verb: 'teardown-cancel', service };
  if (extend !== undefined) return { verb: 'teardown-extend', service, seconds: parseExtendSeconds(extend) };
  if (weight !== undefined) return { verb: 'weight', service, weight: parseWeight(value.weight ?? weight) };
  throw new InvalidInputError(`unknown button ${job.actionId}; use /gray help`);
}

/**
 * Approve/Reject: decided once; the request message shows the decision; an approval runs its
 * operation. Returns that operation's id, and a notice for the clicker when someone else had decided.
 */
async function decide(deps: WorkerDeps, job: ActionJob): Promise<{ operationId?: string; notice?: string }> {
  const { approval, operation, requeued } = await decideApproval(requestDeps(deps), {
    approvalId: job.value,
    actor: job.user,
    decision: job.actionId === 'gray_approve' ? 'approved' : 'rejected',
  });
  if (approval.messageTs) {
    // Best effort: the decision stands and its operation must run even if the edit fails.
    await deps.web.chat
      .update({ channel: approval.channel, ts: approval.messageTs, ...renderApprovalDecision(approval) })
      .catch((error: unknown) => deps.logError(error, `approval:${approval.approvalId}`));
  }
  const notice = requeued
    ? `${approval.summary} on ${approval.service} was already approved by <@${approval.decidedBy}>; it had not started yet, so it is queued now`
    : undefined;
  return { ...(operation ? { operationId: operation.operationId } : {}), ...(notice ? { notice } : {}) };
}

/**
 * Runs one click: claims `action:<action_ts>:<message_ts>:<action_id>` once (a repeat does nothing),
 * then decides an approval or queues the button's command, answering on the response_url (nothing
 * for a decided approval: its message shows it), then runs the queued operation here.
 */
export async function runActionJob(deps: WorkerDeps, job: ActionJob): Promise<void> {
  const correlationId = `${job.actionTs}:${job.messageTs}:${job.actionId}`;
  let operationId: string | undefined;
  let submitted: Submitted | undefined;
  try {
    const now = nowSeconds(deps.release.clock);
    if (!(await deps.operations.claimOnce(`action:${correlationId}`, DELIVERY_KEY_TTL_SECONDS, now))) return;
    if (job.actionId === 'gray_approve' || job.actionId === 'gray_reject') {
      const decided = await decide(deps, job);
      operationId = decided.operationId;
      if (decided.notice) await reply(deps, job.responseUrl, { text: decided.notice }, correlationId);
    } else {
      // The click was claimed once above; the enqueue needs no second delivery key.
      submitted = await submit(deps, buttonCommand(job), job.user, job.channel);
    }
  } catch (error) {
    await reply(deps, job.responseUrl, { text: failure(deps, error, correlationId).text }, correlationId);
    return;
  }
  if (submitted) await answerAndRun(deps, job.responseUrl, submitted, correlationId);
  else if (operationId) await runOperation(deps, operationId);
}

/** Publishes the Home tab (every configured service from its record, no cluster read) once per event id. */
export async function runHomeJob(deps: WorkerDeps, job: HomeJob): Promise<void> {
  const { config, store, clock } = deps.release;
  const now = nowSeconds(clock);
  if (!(await deps.operations.claimOnce(`event:${job.eventId}`, DELIVERY_KEY_TTL_SECONDS, now))) return;
  const records = await store.getMany(config.services.map((s) => s.name));
  await deps.web.views.publish({ user_id: job.user, view: renderAppHome(records.map(recordedStatus)) });
}
