/**
 * Lambda: API Gateway HTTP API (payload v2) → Bolt's AwsLambdaReceiver, wrapped with middy. Verifies
 * the Slack signature over the raw body, parses, authorises, records, dispatches to the worker and
 * acks — never calling Kubernetes (Slack: acknowledge within 3,000 ms).
 */
import middy from '@middy/core';
import { App, AwsLambdaReceiver, isValidSlackRequest } from '@slack/bolt';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ConfigError } from './release/errors.js';
import { registerGrayCommands } from './slack/listeners.js';
import { createGrayRuntime, type GrayRuntime, readGrayEnv } from './slack/runtime.js';
import { resolveSlackSecrets } from './slack/secrets.js';

/** Slack signs requests with a timestamp; Bolt rejects old ones, we also reject ones from the future. */
const MAX_SKEW_SECONDS = 300;

type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<{ statusCode: number; body: string }>;

/** Builds the HTTP handler for a runtime (tests pass one wired to local servers). */
export function createSlackHandler(runtime: GrayRuntime, now: () => number = Date.now): LambdaHandler {
  const signingSecret = runtime.env.SLACK_SIGNING_SECRET;
  if (!signingSecret) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET is required for the slack function (set SLACK_SIGNING_SECRET_PARAM)',
    );
  }
  const receiver = new AwsLambdaReceiver({ signingSecret });
  const app = new App({
    token: runtime.env.SLACK_BOT_TOKEN,
    receiver,
    ...(runtime.env.SLACK_API_URL ? { clientOptions: { slackApiUrl: runtime.env.SLACK_API_URL } } : {}),
  });
  registerGrayCommands(app, runtime.slack);
  let boltHandler:
    | Promise<
        (event: never, context: never, callback: never) => Promise<{ statusCode: number; body: string }>
      >
    | undefined;
  return middy<APIGatewayProxyEventV2, { statusCode: number; body: string }>()
    .before(async (request) => {
      // Verify before anything parses the body (Bolt parses first and answers 500 to malformed
      // unsigned JSON); Bolt verifies again. Slack's rule, plus timestamps too far in the future.
      const { headers = {}, body = '', isBase64Encoded } = request.event;
      const raw = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
      const signature = headers['x-slack-signature'] ?? headers['X-Slack-Signature'];
      const ts = Number(headers['x-slack-request-timestamp'] ?? headers['X-Slack-Request-Timestamp']);
      const valid =
        signature !== undefined &&
        Number.isInteger(ts) &&
        ts - Math.floor(now() / 1000) <= MAX_SKEW_SECONDS &&
        isValidSlackRequest({
          signingSecret,
          body: raw,
          headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
          nowMilliseconds: now(),
        });
      return valid ? undefined : { statusCode: 401, body: '' };
    })
    .handler(async (event, context) => {
      boltHandler ??= receiver.start() as never;
      const handle = await boltHandler;
      return handle(event as never, context as never, (() => undefined) as never);
    }) as unknown as LambdaHandler;
}

let cached: LambdaHandler | undefined;

/** The deployed entry point: runtime from the environment, built once per container. */
export const handler: LambdaHandler = async (event, context) => {
  cached ??= createSlackHandler(
    createGrayRuntime(readGrayEnv({ ...process.env, ...(await resolveSlackSecrets(process.env)) })),
  );
  return cached(event, context);
};
