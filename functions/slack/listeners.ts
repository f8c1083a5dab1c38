/**
 * Bolt listeners for `/gray`, the buttons and App Home. They parse, authorise, record and dispatch —
 * never calling Kubernetes — so every request is acknowledged well within Slack's 3,000 ms.
 */
import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { WriteCommand } from '../release/commands.js';
import { InvalidInputError } from '../release/errors.js';
import type { RequestResult } from '../release/request.js';
import { decideApproval, requestOperation } from '../release/request.js';
import { userFacingError } from '../release/run-queued.js';
import { parseWeight } from '../release/shift-weight.js';
import { getHistory } from '../release/status.js';
import { parseGrayCommand } from './command-grammar.js';
import type { SlackDeps } from './deps.js';
import { renderAppHome } from './views/app-home.js';
import { renderApprovalDecision, renderApprovalRequest } from './views/approval.js';
import { renderError } from './views/error.js';
import { renderHelp } from './views/help.js';
import { renderHistory } from './views/history.js';
import { recordedStatus } from './views/recorded-status.js';

const ephemeral = (view: { text: string; blocks?: unknown[] }) => ({
  response_type: 'ephemeral' as const,
  ...view,
});

/** Posts an approval request in the channel and remembers its message. */
async function postApproval(
  deps: SlackDeps,
  client: WebClient,
  result: Extract<RequestResult, { kind: 'approval-requested' }>,
) {
  const view = renderApprovalRequest(result.approval);
  const posted = await client.chat.postMessage({ channel: result.approval.channel, ...view });
  await deps.operations.setApprovalMessage(
    result.approval.approvalId,
    result.approval.channel,
    posted.ts as string,
  );
}

/** Queues a write command from a slash command or a button; returns the ephemeral reply text. */
async function submit(
  deps: SlackDeps,
  client: WebClient,
  command: WriteCommand,
  actor: string,
  channel: string,
  key?: string,
): Promise<string> {
  const result = await requestOperation(deps, {
    command,
    actor,
    channel,
    ...(key ? { idempotencyKey: key } : {}),
  });
  if (result.kind === 'duplicate') return `already queued (operation ${result.operationId})`;
  if (result.kind === 'approval-requested') {
    await postApproval(deps, client, result);
    return `${result.approval.summary} on ${result.approval.service} needs approval (${result.approval.reason}); asked ${result.approval.approvers.map((a) => `<@${a}>`).join(', ')}`;
  }
  await deps.dispatcher.dispatch({ kind: 'operation', operationId: result.operation.operationId });
  return `queued: ${result.operation.summary} on ${result.operation.service} (operation ${result.operation.operationId}); progress follows in this channel`;
}

function failure(deps: SlackDeps, error: unknown, correlationId: string) {
  const shown = userFacingError(error, correlationId);
  if (!shown.error.expose) deps.logError(error, correlationId);
  return renderError(shown.message, shown.error.expose ? undefined : correlationId);
}

/** Parses a button's JSON value `{"service": "...", ...}`; throws InvalidInputError for anything else. */
function buttonValue(action: ButtonAction): { service: string; weight?: number } {
  try {
    const value = JSON.parse(action.value ?? '') as { service?: unknown; weight?: unknown };
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

async function reply(respond: RespondFn, text: string) {
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}

/** The canary message's buttons and the commands they queue (Promote now is `gray_promote`). */
const CANARY_BUTTONS: Record<string, 'canary-pause' | 'canary-resume' | 'canary-abort'> = {
  gray_canary_pause: 'canary-pause',
  gray_canary_resume: 'canary-resume',
  gray_canary_abort: 'canary-abort',
};

/** Registers `/gray`, the approval and next-step buttons, and App Home on a Bolt app. */
export function registerGrayCommands(app: App, deps: SlackDeps): void {
  app.command('/gray', async ({ command, ack, client }) => {
    try {
      const parsed = parseGrayCommand(command.text ?? '');
      if (parsed.verb === 'help') return await ack(ephemeral(renderHelp()));
      if (parsed.verb === 'history') {
        const events = await getHistory(deps.release, { service: parsed.service, limit: parsed.limit });
        return await ack(ephemeral(renderHistory(parsed.service, events)));
      }
      if (parsed.verb === 'status') {
        await deps.dispatcher.dispatch({
          kind: 'status',
          ...(parsed.service ? { service: parsed.service } : {}),
          channel: command.channel_id,
          user: command.user_id,
          responseUrl: command.response_url,
        });
        return await ack(
          ephemeral({ text: `reading the status of ${parsed.service ?? 'this channel’s services'}…` }),
        );
      }
      const text = await submit(
        deps,
        client,
        parsed,
        command.user_id,
        command.channel_id,
        `command:${command.trigger_id}`,
      );
      await ack(ephemeral({ text }));
    } catch (error) {
      await ack(ephemeral(failure(deps, error, command.trigger_id)));
    }
  });

  app.action<BlockAction<ButtonAction>>(/^gray_/, async ({ action, body, ack, client, respond }) => {
    await ack();
    const messageTs = body.container?.message_ts ?? body.message?.ts ?? '';
    const correlationId = `${action.action_ts}:${messageTs}:${action.action_id}`;
    try {
      const now = Math.floor(deps.clock.now() / 1000);
      if (!(await deps.operations.claimOnce(`action:${correlationId}`, 86400, now))) return;
      const actor = body.user.id;
      const channel = body.channel?.id ?? '';
      if (action.action_id === 'gray_approve' || action.action_id === 'gray_reject') {
        const decision = action.action_id === 'gray_approve' ? 'approved' : 'rejected';
        const { approval, operation } = await decideApproval(deps, {
          approvalId: action.value ?? '',
          actor,
          decision,
        });
        if (approval.messageTs) {
          await client.chat.update({
            channel: approval.channel,
            ts: approval.messageTs,
            ...renderApprovalDecision(approval),
          });
        }
        if (operation)
          await deps.dispatcher.dispatch({ kind: 'operation', operationId: operation.operationId });
        return;
      }
      const value = buttonValue(action);
      const weight = /^gray_weight_(\d+)$/.exec(action.action_id)?.[1];
      const extend = /^gray_teardown_extend_(\d+)$/.exec(action.action_id)?.[1];
      const service = value.service;
      const canaryVerb = CANARY_BUTTONS[action.action_id];
      const command: WriteCommand | undefined = canaryVerb
        ? { verb: canaryVerb, service }
        : action.action_id === 'gray_promote'
          ? { verb: 'promote', service }
          : action.action_id === 'gray_rollback'
            ? { verb: 'rollback', service }
            : action.action_id === 'gray_teardown_cancel'
              ? { verb: 'teardown-cancel', service }
              : extend !== undefined
                ? { verb: 'teardown-extend', service, seconds: parseExtendSeconds(extend) }
                : weight !== undefined
                  ? { verb: 'weight', service, weight: parseWeight(value.weight ?? weight) }
                  : undefined;
      if (!command) throw new InvalidInputError(`unknown button ${action.action_id}; use /gray help`);
      // The click was claimed once above; the enqueue needs no second delivery key.
      await reply(respond, await submit(deps, client, command, actor, channel));
    } catch (error) {
      await reply(respond, failure(deps, error, correlationId).text);
    }
  });

  app.event('app_home_opened', async ({ event, body, client }) => {
    const now = Math.floor(deps.clock.now() / 1000);
    if (!(await deps.operations.claimOnce(`event:${body.event_id}`, 86400, now))) return;
    const records = await deps.store.getMany(deps.config.services.map((s) => s.name));
    await client.views.publish({ user_id: event.user, view: renderAppHome(records.map(recordedStatus)) });
  });
}
