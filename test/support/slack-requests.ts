// Slack's wire format for tests: form-encoded bodies signed with the signing secret (v0 HMAC-SHA256 of
// `v0:<timestamp>:<raw body>`), wrapped in API Gateway HTTP API (payload v2) events.
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Options for one signed request. */
export interface SignOptions {
  secret: string;
  /** Epoch seconds; default now. */
  timestamp?: number;
  /** Send the body base64-encoded with isBase64Encoded: true, as API Gateway does for binary types. */
  base64?: boolean;
  contentType?: string;
  extraHeaders?: Record<string, string>;
}

/** `v0=` + hex HMAC-SHA256 over `v0:<timestamp>:<body>` (Slack's request signing). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** An API Gateway v2 event carrying `body`, signed for Slack. */
export function signedEvent(body: string, options: SignOptions): APIGatewayProxyEventV2 {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret, timestamp, body),
      ...options.extraHeaders,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'gray',
      domainName: 'gray.example.com',
      domainPrefix: 'gray',
      http: {
        method: 'POST',
        path: '/slack/events',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'Slackbot 1.0',
      },
      requestId: `req-${timestamp}`,
      routeKey: 'POST /slack/events',
      stage: '$default',
      time: new Date(timestamp * 1000).toISOString(),
      timeEpoch: timestamp * 1000,
    },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** Form body of a slash command as Slack sends it (`command=%2Fgray&text=weight+25…`). */
export function slashCommandBody(
  text: string,
  fields: { user: string; channel: string; triggerId: string; responseUrl: string },
): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0GRAYTEST',
    team_domain: 'happyride',
    channel_id: fields.channel,
    channel_name: 'releases',
    user_id: fields.user,
    user_name: fields.user.toLowerCase(),
    command: '/gray',
    text,
    api_app_id: 'A0GRAY',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId,
  }).toString();
}

/** Form body of a block_actions payload for one button click (`payload=<json>`). */
export function buttonClickBody(click: {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
  actionTs: string;
  responseUrl: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: click.user, username: click.user.toLowerCase(), team_id: 'T0GRAYTEST' },
    api_app_id: 'A0GRAY',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: click.messageTs,
      channel_id: click.channel,
      is_ephemeral: false,
    },
    trigger_id: `trigger-${click.actionTs}`,
    team: { id: 'T0GRAYTEST', domain: 'happyride' },
    channel: { id: click.channel, name: 'releases' },
    message: { type: 'message', ts: click.messageTs, text: 'gray', user: 'U0GRAYBOT' },
    response_url: click.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: 'gray_actions',
        text: { type: 'plain_text', text: 'button' },
        value: click.value,
        action_ts: click.actionTs,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** JSON body of an Events API delivery of `app_home_opened` by `user`, sent at `atSeconds` (epoch seconds, default now). */
export function appHomeOpenedBody(eventId: string, user: string, atSeconds = Date.now() / 1000): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0GRAYTEST',
    api_app_id: 'A0GRAY',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(atSeconds),
    event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: `${atSeconds}` },
  });
}
