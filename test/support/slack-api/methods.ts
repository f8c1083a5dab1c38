// The Slack Web API methods the loopback server implements, answering in Slack's documented shapes
// (https://api.slack.com/methods/<method>), including the error codes gray meets in practice.
import { messageKey, type SlackIdentity, type SlackMessage, type SlackState } from './slack-state.js';

/** A Slack Web API answer: `{ ok: true, … }` or `{ ok: false, error }`. */
export type SlackReply = { ok: boolean; error?: string } & Record<string, unknown>;

type Params = Record<string, unknown>;
type Handler = (state: SlackState, identity: SlackIdentity, params: Params) => SlackReply;

/** Method name → handler; anything else is `unknown_method`. */
export const slackMethods: Readonly<Record<string, Handler>> = {
  'auth.test': (_state, identity) => ({
    ok: true,
    url: identity.url,
    team: identity.team,
    user: identity.user,
    team_id: identity.teamId,
    user_id: identity.userId,
    bot_id: identity.botId,
    is_enterprise_install: false,
  }),
  'chat.postMessage': postMessage,
  'chat.update': updateMessage,
  'chat.postEphemeral': postEphemeral,
  'views.publish': publishView,
};

function postMessage(state: SlackState, identity: SlackIdentity, params: Params): SlackReply {
  const channel = stringParam(params, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const invalid = checkContent(params);
  if (invalid) return fail(invalid);
  const ts = state.nextTs();
  const message: SlackMessage = {
    channel,
    ts,
    text: stringParam(params, 'text'),
    blocks: params.blocks as unknown[] | undefined,
    threadTs: stringParam(params, 'thread_ts'),
    edits: 0,
  };
  state.messages.set(messageKey(channel, ts), message);
  return { ok: true, channel, ts, message: messageBody(message, identity) };
}

function updateMessage(state: SlackState, identity: SlackIdentity, params: Params): SlackReply {
  const channel = stringParam(params, 'channel');
  const ts = stringParam(params, 'ts');
  if (channel === undefined) return fail('channel_not_found');
  if (ts === undefined) return fail('message_not_found');
  const message = state.messages.get(messageKey(channel, ts));
  if (message === undefined) return fail('message_not_found');
  if (params.blocks !== undefined && !Array.isArray(params.blocks)) return fail('invalid_blocks');
  // Slack keeps fields the update leaves out; an empty blocks array removes the blocks.
  if (params.text !== undefined) message.text = stringParam(params, 'text');
  if (params.blocks !== undefined) {
    const blocks = params.blocks as unknown[];
    message.blocks = blocks.length > 0 ? blocks : undefined;
  }
  message.edits += 1;
  return { ok: true, channel, ts, text: message.text ?? '', message: messageBody(message, identity) };
}

function postEphemeral(state: SlackState, _identity: SlackIdentity, params: Params): SlackReply {
  if (stringParam(params, 'channel') === undefined) return fail('channel_not_found');
  if (stringParam(params, 'user') === undefined) return fail('user_not_found');
  const invalid = checkContent(params);
  if (invalid) return fail(invalid);
  // Ephemeral messages are not stored in the channel: read them with calls('chat.postEphemeral').
  return { ok: true, message_ts: state.nextTs() };
}

function publishView(state: SlackState, identity: SlackIdentity, params: Params): SlackReply {
  const userId = stringParam(params, 'user_id');
  if (userId === undefined) return fail('user_not_found');
  const view = params.view;
  if (typeof view !== 'object' || view === null || Array.isArray(view)) return fail('invalid_arguments');
  const previous = state.homeViews.get(userId);
  const hash = stringParam(params, 'hash');
  if (hash !== undefined && previous !== undefined && previous.hash !== hash) return fail('hash_conflict');
  const published: Record<string, unknown> = {
    ...(view as Record<string, unknown>),
    id: previous?.id ?? state.nextViewId(),
    team_id: identity.teamId,
    bot_id: identity.botId,
    hash: `${Date.now()}.${state.nextTs()}`,
  };
  state.homeViews.set(userId, published);
  return { ok: true, view: structuredClone(published) };
}

/** Slack's `message` object for a stored message, as the bot posted it. */
function messageBody(message: SlackMessage, identity: SlackIdentity): Record<string, unknown> {
  return {
    type: 'message',
    user: identity.userId,
    bot_id: identity.botId,
    team: identity.teamId,
    ts: message.ts,
    text: message.text ?? '',
    ...(message.blocks ? { blocks: structuredClone(message.blocks) } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
  };
}

/** Slack refuses a message with neither text, blocks nor attachments, or with blocks that are no array. */
function checkContent(params: Params): string | undefined {
  if (params.blocks !== undefined && !Array.isArray(params.blocks)) return 'invalid_blocks';
  if (params.attachments !== undefined && !Array.isArray(params.attachments)) return 'invalid_attachments';
  const hasText = typeof params.text === 'string' && params.text.length > 0;
  if (!hasText && params.blocks === undefined && params.attachments === undefined) return 'no_text';
  return undefined;
}

function stringParam(params: Params, name: string): string | undefined {
  const value = params[name];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** `{ ok: false, error }`. */
export function fail(error: string): SlackReply {
  return { ok: false, error };
}
