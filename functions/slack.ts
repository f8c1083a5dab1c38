/**
 * Lambda: API Gateway HTTP API (payload v2) → Bolt's AwsLambdaReceiver, wrapped with middy. Verifies the Slack signature
 * over the raw body, parses, answers help and bad input at once, and otherwise hands the request to the
 * worker (one asynchronous Lambda invoke) and acks "on its way". No DynamoDB, Kubernetes or Slack Web
 * API call happens here: Bolt answers Slack only after the listener returns, so the ack is the
 * hand-off's time (Slack: acknowledge within 3,000 ms). Imports only Bolt, the grammar, the small
 * views and the signed-fetch hand-off, for a cold start near a bare Bolt app's.
 */
import middy from '@middy/core';
import { App, AwsLambdaReceiver, isValidSlackRequest } from '@slack/bolt';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ConfigError } from './release/errors.js';
import type { Dispatcher } from './slack/dispatch.js';
import { LambdaDispatcher } from './slack/lambda-invoke.js';
import { registerGrayCommands } from './slack/listeners.js';
import { logInternalError } from './slack/logger.js';
import { readSlackFunctionEnv, resolveSigningSecret } from './slack/slack-env.js';

/** Slack signs requests with a timestamp; Bolt rejects old ones, we also reject ones from the future. */
const MAX_SKEW_SECONDS = 300;

/** The request body as the UTF-8 text Slack signed (API Gateway may hand it over base64-encoded). */
const bodyText = ({ body = '', isBase64Encoded }: APIGatewayProxyEventV2): string =>
  isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;

type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<{ statusCode: number; body: string }>;

/** AwsLambdaReceiver's handler (typed loosely by Bolt). */
type BoltHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
  callback: () => void,
) => Promise<{ statusCode: number; body: string }>;

/** What the Slack handler needs; tests and the demo pass an InlineDispatcher running the worker in-process. */
export interface SlackHandlerOptions {
  /** The Slack app's signing secret. */
  signingSecret: string;
  /** Where jobs go (the worker Lambda when deployed). */
  dispatcher: Dispatcher;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** Default: the Powertools logger. */
  logError?: (error: unknown, correlationId: string) => void;
}

/** Builds the HTTP handler; throws ConfigError without a signing secret. */
export function createSlackHandler(options: SlackHandlerOptions): LambdaHandler {
  const { signingSecret, now = Date.now } = options;
  if (!signingSecret) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET is required for the slack function (set SLACK_SIGNING_SECRET_PARAM)',
    );
  }
  // The one signature check is ours, below, before Bolt parses anything (Bolt parses first and answers
  // 500 to malformed unsigned JSON), and Bolt gets exactly the text that was verified: Bolt decodes a
  // base64 body as ASCII, Slack signs UTF-8, so Bolt's own check would refuse genuine non-ASCII bodies.
  const receiver = new AwsLambdaReceiver({ signingSecret, signatureVerification: false });
  // No bot token: this function never calls the Web API (the worker does), and an `authorize` that
  // grants nothing keeps Bolt from calling auth.test on the first request.
  const app = new App({ receiver, authorize: async () => ({}) });
  registerGrayCommands(app, {
    dispatcher: options.dispatcher,
    logError: options.logError ?? logInternalError,
  });
  let boltHandler: Promise<BoltHandler> | undefined;
  // Wrapped with middy (issue 5): the signature check is its `before` step, which answers 401 itself.
  return middy<APIGatewayProxyEventV2, { statusCode: number; body: string }>()
    .before(async (request) => (verified(request.event) ? undefined : { statusCode: 401, body: '' }))
    .handler(async (event, context) => {
      boltHandler ??= receiver.start() as Promise<BoltHandler>;
      const handle = await boltHandler;
      return handle(
        event.isBase64Encoded ? { ...event, body: bodyText(event), isBase64Encoded: false } : event,
        context,
        () => undefined,
      );
    }) as unknown as LambdaHandler;

  /** Slack's rule (HMAC of v0:<ts>:<body>, not older than 5 minutes), plus no timestamps from the future. */
  function verified(event: APIGatewayProxyEventV2): boolean {
    const { headers = {} } = event;
    const signature = headers['x-slack-signature'] ?? headers['X-Slack-Signature'];
    const ts = Number(headers['x-slack-request-timestamp'] ?? headers['X-Slack-Request-Timestamp']);
    const at = now();
    return (
      signature !== undefined &&
      Number.isInteger(ts) &&
      ts - Math.floor(at / 1000) <= MAX_SKEW_SECONDS &&
      isValidSlackRequest({
        signingSecret,
        body: bodyText(event),
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
        nowMilliseconds: at,
      })
    );
  }
}

let cached: Promise<LambdaHandler> | undefined;

/**
 * The deployed entry point: signing secret (SSM) and worker from the environment, built once per
 * container; a failed start-up is retried on the next request.
 */
export const handler: LambdaHandler = async (event, context) => {
  cached ??= (async () => {
    const settings = readSlackFunctionEnv(process.env);
    return createSlackHandler({
      signingSecret: await resolveSigningSecret(settings, process.env),
      dispatcher: LambdaDispatcher.fromEnv(settings.workerFunction, process.env),
    });
  })().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return (await cached)(event, context);
};
