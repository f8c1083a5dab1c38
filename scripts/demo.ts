// `npm run demo`: the seed's release, end to end, through gray's Slack entry point (functions/slack.ts
// behind Bolt's AwsLambdaReceiver, with HMAC-signed requests) on the embedded local stack: DynamoDB
// Local, our Kubernetes API server seeded with happyride, and a loopback Slack Web API. Steps: deploy
// green, weight 1, weight 25, header route on, promote (approved by a second user), teardown of blue
// after a shortened bake time (approved); then the final VirtualService and DestinationRule.
// `npm run demo -- --kubeconfig ~/.kube/config --context kind-istio` runs it against a real cluster.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parse, stringify } from 'yaml';
import { loadGrayConfig } from '../functions/config.js';
import { createGrayRuntime, createInlineDispatcher, readGrayEnv } from '../functions/slack/runtime.js';
import { createSlackHandler } from '../functions/slack.js';
import { createClusterResolver } from '../functions/wiring.js';
import { startSlackApiServer } from '../test/support/slack-api-server.js';
import { buttonClickBody, signedEvent, slashCommandBody } from '../test/support/slack-requests.js';
import { startLocalStack } from './support/local-stack.js';
import { blocksToText } from './support/slack-text.js';

function parseDemoArgs() {
  try {
    return parseArgs({
      options: {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        version: { type: 'string', default: '1.1.0-5d2f3e9' },
      },
    }).values;
  } catch (error) {
    console.error(
      `demo: ${(error as Error).message}\nusage: npm run demo [-- --kubeconfig <path>] [--context <name>] [--version <semver-sha>]`,
    );
    process.exit(2);
  }
}
const values = parseDemoArgs();
const dir = join(process.cwd(), '.gray-demo');
const BAKE_SECONDS = 3;
const SECRET = 'demo-signing-secret';
const CHANNEL = 'C0RELEASES';
const REQUESTER = 'U0ALICE';
const APPROVER = 'U0APPROVER';

const stack = await startLocalStack(dir, {
  realCluster: values.kubeconfig !== undefined || values.context !== undefined,
}).catch((error: unknown) => {
  // Java missing, a port taken: one line saying what to do, not a stack trace.
  console.error(
    `demo: cannot start the local stack: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
const slack = await startSlackApiServer();
// The shipped config, with the bake time shortened so the demo can show the teardown.
const config = parse(readFileSync('gray.config.yaml', 'utf8')) as { services: Record<string, unknown>[] };
for (const service of config.services)
  Object.assign(service, { bakeTime: `${BAKE_SECONDS}s`, rolloutTimeout: '60s', approvers: [APPROVER] });
const configPath = join(dir, 'gray.config.yaml');
writeFileSync(configPath, stringify(config));
const access = {
  ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : { kubeconfigPath: stack.kubeconfigPath }),
  ...(values.context ? { context: values.context } : {}),
};
const runtime = createGrayRuntime(
  readGrayEnv({
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    GRAY_TABLE_NAME: stack.env.GRAY_TABLE_NAME,
  }),
  {
    config: loadGrayConfig(configPath),
    dynamo: new DynamoDBClient({
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    access,
    reporterIntervalMs: 0,
  },
);
// The Slack function acks and hands each request over; the worker's jobs run here (GRAY_DISPATCH=inline).
const dispatcher = createInlineDispatcher(runtime);
const handler = createSlackHandler({ signingSecret: SECRET, dispatcher });
let step = 0;
let failures = 0;

async function post(body: string): Promise<string> {
  const response = await handler(signedEvent(body, { secret: SECRET }), {} as never);
  if (response.statusCode !== 200) failures++;
  if (!response.body) return `(HTTP ${response.statusCode})`;
  const parsed = JSON.parse(response.body) as { text?: string; blocks?: unknown[] };
  return blocksToText(parsed.blocks, parsed.text ?? '');
}

/** Sends `/gray <text>` as the requester, waits for the worker, prints the ack, the worker's answer and every new Slack message. */
async function gray(text: string): Promise<void> {
  step++;
  const seen = snapshot();
  console.log(`\n─── @${REQUESTER}: /gray ${text}`);
  const fields = {
    user: REQUESTER,
    channel: CHANNEL,
    triggerId: `demo-${step}`,
    responseUrl: slack.responseUrl(`demo-${step}`),
  };
  const ack = await post(slashCommandBody(text, fields));
  console.log(`  (ephemeral reply)\n${indent(ack)}`);
  await dispatcher.idle();
  printNew(seen, `demo-${step}`);
  stopOnRefusal(`/gray ${text}`, `demo-${step}`);
}

/** Thrown to end the demo at the first step gray refused or failed (the reason was printed). */
class DemoStopped extends Error {}

/** The worker answers refusals and failures with a ⚠️ line: later steps would only fail too. */
function stopOnRefusal(what: string, responseId: string): void {
  const refused = slack
    .responses(responseId)
    .map((r) => (r as { text?: string }).text ?? '')
    .find((text) => text.startsWith('⚠️'));
  if (refused) {
    const plain = refused.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
    throw new DemoStopped(`${what} was answered: ${plain}`);
  }
}

/** Message ts → number of edits, to tell which messages a step posted or changed. */
function snapshot(): Map<string, number> {
  return new Map(slack.messages(CHANNEL).map((m) => [m.ts, m.edits]));
}

function printNew(seen: Map<string, number>, responseId: string) {
  for (const response of slack.responses(responseId)) {
    const body = response as { text?: string; blocks?: unknown[] };
    console.log(indent(blocksToText(body.blocks, body.text ?? '')));
  }
  for (const message of slack.messages(CHANNEL)) {
    if (seen.get(message.ts) === message.edits) continue;
    const verb = seen.has(message.ts) ? 'edited' : 'posted';
    console.log(
      `  #releases message ${message.ts} (${verb}):\n${indent(blocksToText(message.blocks, message.text ?? ''))}`,
    );
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

/** Clicks Approve on the newest approval request as the approver. */
async function approveLatest(): Promise<void> {
  const request = slack
    .messages(CHANNEL)
    .filter((m) => JSON.stringify(m.blocks ?? []).includes('gray_approve'))
    .at(-1);
  if (!request) {
    failures++;
    console.log('  (no approval request found)');
    return;
  }
  const approvalId =
    /"action_id":"gray_approve"[^}]*?"value":"([^"]+)"|"value":"([^"]+)"[^{}]*?"action_id":"gray_approve"/.exec(
      JSON.stringify(request.blocks),
    );
  step++;
  const seen = snapshot();
  console.log(`\n─── @${APPROVER} clicks [Approve]`);
  await post(
    buttonClickBody({
      actionId: 'gray_approve',
      value: approvalId?.[1] ?? approvalId?.[2] ?? '',
      user: APPROVER,
      channel: CHANNEL,
      messageTs: request.ts,
      actionTs: `${Date.now() / 1000}`,
      responseUrl: slack.responseUrl(`demo-${step}`),
    }),
  );
  await dispatcher.idle();
  printNew(seen, `demo-${step}`);
}

try {
  const svc = 'address-service';
  await gray(`status ${svc}`);
  await gray(`deploy ${svc} green ${values.version}`);
  await gray(`weight ${svc} 1`);
  await gray(`weight ${svc} 25`);
  await gray(`route ${svc} header x-latest-version=true`);
  await gray(`promote ${svc}`);
  await approveLatest();
  console.log(`\n(waiting out the demo's ${BAKE_SECONDS}s bake time)`);
  await new Promise((resolve) => setTimeout(resolve, BAKE_SECONDS * 1000));
  await gray(`teardown ${svc} blue`);
  await approveLatest();
  await gray(`status ${svc}`);
  await gray(`history ${svc} 20`);
  const cluster = createClusterResolver(access)(runtime.worker.release.config.services[0]!);
  for (const kind of ['VirtualService', 'DestinationRule'] as const) {
    const name = kind === 'VirtualService' ? 'address-service-deployment' : svc;
    const object = await cluster.read({ kind, namespace: 'happyride', name });
    if (!object) continue;
    const { apiVersion, metadata, spec } = object;
    console.log(
      `\n# final ${kind} ${name}\n${stringify({ apiVersion, kind, metadata: { name, namespace: metadata.namespace }, spec })}`,
    );
  }
  const vs = await cluster.read({
    kind: 'VirtualService',
    namespace: 'happyride',
    name: 'address-service-deployment',
  });
  if (
    !JSON.stringify(vs?.spec).includes('"subset":"green","weight":100') &&
    !JSON.stringify(vs?.spec).match(/"subset":"green"},"weight":100/)
  )
    failures++;
} catch (error) {
  failures++;
  // A stopped step was printed above; anything else (a cluster that cannot be reached) is said in one line.
  console.error(`\ndemo: stopped — ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await dispatcher.idle();
  await slack.close();
  await stack.stop();
}
if (failures > 0) {
  console.error(`\ndemo: ${failures} step(s) failed`);
  process.exitCode = 1;
} else {
  console.log(
    '\ndemo: deploy → weight 1 → weight 25 → header route → promote (approved) → teardown (approved), all through signed Slack requests.',
  );
}
