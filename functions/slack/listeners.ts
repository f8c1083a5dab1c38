/**
 * Bolt listeners of the Slack function: `/gray`, the `gray_…` buttons and App Home. They parse with the
 * pure grammar, answer help and bad input at once, and hand everything else to the worker with ONE
 * dispatch — no DynamoDB, Kubernetes or Slack Web API call — because Bolt's AwsLambdaReceiver answers
 * Slack only after the listener returns (Slack: acknowledge within 3,000 ms). The worker answers
 * through the response_url (worker-jobs.ts).
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { GrayCommand } from '../release/commands.js';
import { toGrayError } from '../release/errors.js';
import { parseGrayCommand } from './command-grammar.js';
import type { Dispatcher } from './dispatch.js';
import { renderAck } from './views/ack.js';
import type { MessageView } from './views/blocks.js';
import { renderErrorReply } from './views/error.js';
import { renderHelp } from './views/help.js';

/** What the Slack function's listeners need: the hand-off and a log for internal errors. */
export interface SlackListenerDeps {
  dispatcher: Dispatcher;
  /** Logs an unexposed error with the correlation id the reply names (Powertools logger in Lambda). */
  logError: (error: unknown, correlationId: string) => void;
}

const ephemeral = (view: { text: string; blocks?: unknown[] }) => ({
  response_type: 'ephemeral' as const,
  ...view,
});

/** The reply to a failure: exposed errors (usage hints) verbatim, others by correlation id, logged. */
function failure(deps: SlackListenerDeps, error: unknown, correlationId: string): MessageView {
  if (!toGrayError(error).expose) deps.logError(error, correlationId);
  return renderErrorReply(error, correlationId);
}

/** Registers `/gray`, the `gray_…` buttons and App Home on a Bolt app (the Lambda's, or Socket Mode's in dev). */
export function registerGrayCommands(app: App, deps: SlackListenerDeps): void {
  app.command('/gray', async ({ command, ack }) => {
    let parsed: GrayCommand;
    try {
      parsed = parseGrayCommand(command.text ?? '');
    } catch (error) {
      return ack(ephemeral(failure(deps, error, command.trigger_id)));
    }
    if (parsed.verb === 'help') return ack(ephemeral(renderHelp()));
    try {
      await deps.dispatcher.dispatch({
        kind: 'command',
        command: parsed,
        user: command.user_id,
        channel: command.channel_id,
        triggerId: command.trigger_id,
        responseUrl: command.response_url,
      });
    } catch (error) {
      return ack(ephemeral(failure(deps, error, command.trigger_id)));
    }
    await ack(ephemeral(renderAck(parsed)));
  });

  app.action<BlockAction<ButtonAction>>(/^gray_/, async ({ action, body, ack, respond }) => {
    await ack();
    const messageTs = body.container?.message_ts ?? body.message?.ts ?? '';
    try {
      // Raw fields: the worker checks the value and claims the click once (it owns the state).
      await deps.dispatcher.dispatch({
        kind: 'action',
        actionId: action.action_id,
        value: action.value ?? '',
        actionTs: action.action_ts,
        messageTs,
        user: body.user.id,
        channel: body.channel?.id ?? '',
        responseUrl: body.response_url,
      });
    } catch (error) {
      const correlationId = `${action.action_ts}:${messageTs}:${action.action_id}`;
      await respond({ replace_original: false, ...ephemeral(failure(deps, error, correlationId)) });
    }
  });

  app.event('app_home_opened', async ({ event, body }) => {
    try {
      await deps.dispatcher.dispatch({ kind: 'home', eventId: body.event_id, user: event.user });
    } catch (error) {
      // Events carry no response_url; the Home tab keeps its last view and the log says why.
      deps.logError(error, `event:${body.event_id}`);
    }
  });
}
