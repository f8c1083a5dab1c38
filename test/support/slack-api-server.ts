// A loopback Slack Web API (node:http on 127.0.0.1) for tests and scripts: point @slack/web-api's
// `slackApiUrl` at `server.url`, give Bolt's `respond` a `server.responseUrl(id)`. No vitest imports.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fail, type SlackReply, slackMethods } from './slack-api/methods.js';
import { parseSlackRequest, SlackRequestError } from './slack-api/request-body.js';
import {
  messageKey,
  type ResponseUrlPost,
  type SlackCall,
  type SlackFailure,
  type SlackIdentity,
  type SlackMessage,
  SlackState,
} from './slack-api/slack-state.js';

export type { ResponseUrlPost, SlackCall, SlackFailure, SlackIdentity, SlackMessage };

/** Options of {@link startSlackApiServer}. */
export interface SlackApiServerOptions {
  /** The only bot token accepted (default `xoxb-gray-test`); others get `invalid_auth`. */
  token?: string;
  /** Overrides of the bot identity `auth.test` reports. */
  identity?: Partial<SlackIdentity>;
  /** POSTs one response URL accepts before `used_url` (Slack: 5 within 30 minutes; default 5). */
  responseUrlMaxUses?: number;
}

/** A running loopback Slack; every reader returns copies in arrival order. */
export interface SlackApiServer {
  /** `http://127.0.0.1:<port>/api/`: the `slackApiUrl` for @slack/web-api's WebClient. */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The accepted bot token. */
  token: string;
  /** The bot identity answered by `auth.test`. */
  identity: SlackIdentity;
  /** A response URL `http://127.0.0.1:<port>/response/<id>` whose POSTs {@link responses} returns. */
  responseUrl(id: string): string;
  /** Serves `failure` for the next `n` calls of `method` (`chat.update`, or `response_url` for all URLs). */
  failNext(method: string, n: number, failure: SlackFailure): void;
  /** Every call received (failed ones too), or only those of `method`. */
  calls(method?: string): SlackCall[];
  /** Current messages (after updates), all or in one channel, oldest first. */
  messages(channel?: string): SlackMessage[];
  /** The current message at `channel`/`ts`, or undefined. */
  message(channel: string, ts: string): SlackMessage | undefined;
  /** Payloads POSTed to `responseUrl(id)` and accepted, oldest first. */
  responses(id: string): ResponseUrlPost[];
  /** The Home tab last published for `userId` by `views.publish`, or undefined. */
  homeView(userId: string): Record<string, unknown> | undefined;
  /** Forgets calls, messages, views, responses and queued failures; the ts clock starts over. */
  reset(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const defaultIdentity: SlackIdentity = {
  url: 'https://gray-test.slack.com/',
  team: 'Gray Test',
  teamId: 'T0GRAYTEST',
  user: 'gray',
  userId: 'U0GRAYBOT',
  botId: 'B0GRAYBOT',
};

/** Starts the loopback Slack Web API on 127.0.0.1 and a free port; rejects if it cannot listen. */
export async function startSlackApiServer(options: SlackApiServerOptions = {}): Promise<SlackApiServer> {
  const token = options.token ?? 'xoxb-gray-test';
  const identity: SlackIdentity = { ...defaultIdentity, ...options.identity };
  const maxUses = options.responseUrlMaxUses ?? 5;
  const state = new SlackState();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, fail('internal_error'));
      console.error('loopback Slack: request failed', error);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const apiMethod = /^\/api\/([\w.]+)$/.exec(path)?.[1];
    const encodedId = /^\/response\/([^/]+)$/.exec(path)?.[1];
    const responseId = encodedId === undefined ? undefined : decodeURIComponent(encodedId);
    if (apiMethod === undefined && responseId === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const method = apiMethod ?? 'response_url';
    let parsed: Awaited<ReturnType<typeof parseSlackRequest>>;
    try {
      parsed = await parseSlackRequest(request);
    } catch (error) {
      if (!(error instanceof SlackRequestError)) throw error;
      record(method, { params: {}, token: undefined, contentType: '' }, 200, error.error);
      send(response, 200, fail(error.error));
      return;
    }
    const [status, reply, headers] = answer(method, responseId, parsed.params, parsed.token);
    record(method, parsed, status, reply.ok ? undefined : reply.error);
    if (reply.ok && responseId !== undefined) {
      state.responses.set(responseId, [...(state.responses.get(responseId) ?? []), parsed.params]);
    }
    send(response, status, reply, headers);
  }

  function answer(
    method: string,
    responseId: string | undefined,
    params: Record<string, unknown>,
    callToken: string | undefined,
  ): [number, SlackReply, Record<string, string>?] {
    const handler = slackMethods[method];
    if (responseId === undefined && handler === undefined) return [200, fail('unknown_method')];
    const failure = state.takeFailure(method);
    if (failure) return failureReply(failure);
    if (responseId !== undefined) {
      const used = state.responses.get(responseId)?.length ?? 0;
      return used >= maxUses ? [404, fail('used_url')] : [200, { ok: true }];
    }
    if (callToken === undefined) return [200, fail('not_authed')];
    if (callToken !== token) return [200, fail('invalid_auth')];
    return [200, handler!(state, identity, params)];
  }

  function record(
    method: string,
    call: Pick<SlackCall, 'params' | 'token' | 'contentType'>,
    status: number,
    error: string | undefined,
  ): void {
    state.calls.push({ method, ...call, status, error });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/api/`,
    origin,
    token,
    identity,
    responseUrl: (id) => `${origin}/response/${encodeURIComponent(id)}`,
    failNext: (method, n, failure) => state.failNext(method, n, failure),
    calls: (method) =>
      structuredClone(state.calls.filter((call) => method === undefined || call.method === method)),
    messages: (channel) =>
      structuredClone(
        [...state.messages.values()].filter((m) => channel === undefined || m.channel === channel),
      ),
    message: (channel, ts) => structuredClone(state.messages.get(messageKey(channel, ts))),
    responses: (id) => structuredClone(state.responses.get(id) ?? []),
    homeView: (userId) => structuredClone(state.homeViews.get(userId)),
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Slack's answer to an injected failure: 429 + Retry-After for rate limits, else the status asked. */
function failureReply(failure: SlackFailure): [number, SlackReply, Record<string, string>?] {
  const status = failure.status ?? (failure.error === 'ratelimited' ? 429 : 200);
  if (status === 429) {
    const retryAfter = String(failure.retryAfterSeconds ?? 1);
    return [429, fail(failure.error ?? 'ratelimited'), { 'retry-after': retryAfter }];
  }
  const error = failure.error ?? (status >= 500 ? 'internal_error' : 'fatal_error');
  return [status, fail(error)];
}

function send(
  response: ServerResponse,
  status: number,
  body: SlackReply,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}
