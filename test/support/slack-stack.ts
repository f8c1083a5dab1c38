// gray's Slack surface on real local servers: Bolt's AwsLambdaReceiver behind functions/slack.ts with
// HMAC-signed requests, the worker's jobs run in-process by the InlineDispatcher (await
// `dispatcher.idle()` before asserting what the worker did), DynamoDB Local, our Kubernetes API server
// and the loopback Slack Web API, which also receives the worker's response_url answers.

import type { GrayConfig } from '../../functions/config.js';
import { readWeights } from '../../functions/istio/virtual-service.js';
import type { KubeObject } from '../../functions/release/ports.js';
import type { Weights } from '../../functions/release/types.js';
import type { InlineDispatcher } from '../../functions/slack/dispatch.js';
import {
  createGrayRuntime,
  createInlineDispatcher,
  type GrayRuntime,
  readGrayEnv,
} from '../../functions/slack/runtime.js';
import { createSlackHandler } from '../../functions/slack.js';
import { createTestTable, type TestTable } from './dynamodb-table.js';
import { type KubeApiServer, startKubeApiServer } from './kube-api-server/index.js';
import { seedHappyride } from './kube-api-server/seed.js';
import { seedConfig } from './memory/harness.js';
import { type SlackApiServer, startSlackApiServer } from './slack-api-server.js';
import { buttonClickBody, signedEvent, slashCommandBody } from './slack-requests.js';

export const SIGNING_SECRET = 'gray-test-signing-secret';
export const CHANNEL = 'C0RELEASES';

/** Handles on every server plus helpers that send signed Slack requests. */
export interface SlackStack {
  /** The worker's runtime (the Slack function itself holds only the dispatcher). */
  runtime: GrayRuntime;
  /** The config the worker runs with. */
  config: GrayConfig;
  kube: KubeApiServer;
  slack: SlackApiServer;
  table: TestTable;
  /** Real time plus an offset tests can advance (approval expiry). */
  clock: { now(): number; advance(ms: number): void };
  dispatcher: InlineDispatcher;
  handler: ReturnType<typeof createSlackHandler>;
  /** Sends `/gray <text>` as `user`; returns status, parsed JSON body and elapsed ms (the ack only). */
  command(
    text: string,
    user?: string,
    options?: { timestamp?: number; base64?: boolean },
  ): Promise<SlackReply>;
  /** Clicks a button on the message `messageTs`; `actionTs` identifies the click (same ts = same delivery). Its response_url is `click-<actionTs>`. */
  click(
    actionId: string,
    value: string,
    user: string,
    messageTs: string,
    actionTs?: string,
  ): Promise<SlackReply>;
  /** Texts the worker posted to the response_url of the `n`-th command (`cmd-<n>`), or of `id`. */
  answers(id: number | string): string[];
  /** The number of the last command sent (its response_url is `cmd-<n>`). */
  lastCommand(): number;
  /** The live weights of the first service's VirtualService, as gray reads them. */
  weights(): Weights;
  close(): Promise<void>;
}

/** Status and body of the HTTP answer the handler gave. */
export interface SlackReply {
  statusCode: number;
  body: { text?: string; response_type?: string; blocks?: unknown[] } | string;
  ms: number;
}

let triggers = 0;

/** Starts the servers and builds the Slack handler with inline dispatch. */
export async function startSlackStack(
  dynamoEndpoint: string,
  configOverrides: Record<string, unknown> = {},
): Promise<SlackStack> {
  const [kube, table, slack] = await Promise.all([
    startKubeApiServer({ rolloutDelayMs: 30 }),
    createTestTable(dynamoEndpoint),
    startSlackApiServer(),
  ]);
  seedHappyride(kube);
  let offset = 0;
  const clock = {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
  const env = readGrayEnv({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    GRAY_TABLE_NAME: table.tableName,
  });
  const runtime = createGrayRuntime(env, {
    config: seedConfig({ approvers: ['U0APPROVER', 'U0APPROVER2'], ...configOverrides }),
    dynamo: table.client,
    access: { kubeconfigYaml: kube.kubeConfigYaml('happyride'), kubernetes: { minBackoffMs: 10 } },
    clock: {
      now: () => clock.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
    },
    pollMs: 20,
    reporterIntervalMs: 0,
    logError: () => undefined,
  });
  const dispatcher = createInlineDispatcher(runtime);
  const handler = createSlackHandler({
    signingSecret: SIGNING_SECRET,
    dispatcher,
    logError: () => undefined,
  });
  const send = async (
    body: string,
    options: { timestamp?: number; base64?: boolean } = {},
  ): Promise<SlackReply> => {
    const started = performance.now();
    const response = await handler(signedEvent(body, { secret: SIGNING_SECRET, ...options }), {} as never);
    const ms = performance.now() - started;
    let parsed: SlackReply['body'] = response.body;
    try {
      parsed = response.body ? (JSON.parse(response.body) as SlackReply['body']) : '';
    } catch {
      // plain text body
    }
    return { statusCode: response.statusCode, body: parsed, ms };
  };
  return {
    runtime,
    config: runtime.worker.release.config,
    weights: () => {
      const service = runtime.worker.release.config.services[0]!;
      const vs = kube.getObject('virtualservices', service.namespace, service.virtualService);
      return readWeights(service, vs as unknown as KubeObject);
    },
    kube,
    slack,
    table,
    clock,
    dispatcher,
    handler,
    command: (text, user = 'U0ALICE', options = {}) => {
      triggers++;
      return send(
        slashCommandBody(text, {
          user,
          channel: CHANNEL,
          triggerId: `trigger-${triggers}`,
          responseUrl: slack.responseUrl(`cmd-${triggers}`),
        }),
        options,
      );
    },
    click: (actionId, value, user, messageTs, actionTs = `${Date.now() / 1000}`) =>
      send(
        buttonClickBody({
          actionId,
          value,
          user,
          channel: CHANNEL,
          messageTs,
          actionTs,
          responseUrl: slack.responseUrl(`click-${actionTs}`),
        }),
      ),
    answers: (id) =>
      slack
        .responses(typeof id === 'number' ? `cmd-${id}` : id)
        .map((response) => String((response as { text?: unknown }).text ?? '')),
    lastCommand: () => triggers,
    close: async () => {
      await dispatcher.idle();
      await Promise.all([kube.close(), slack.close(), table.drop()]);
    },
  };
}
