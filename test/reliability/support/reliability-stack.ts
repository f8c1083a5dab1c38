// The whole of gray on real local servers for the reliability figures: many services in one config,
// functions/slack.ts behind Bolt's AwsLambdaReceiver (HMAC-signed requests) handing every request to the
// worker, whose jobs run in this process (TrackedDispatcher) and answer on the loopback response URLs,
// DynamoDB Local, our Kubernetes API server (optionally behind the fault proxy) and the loopback
// Slack Web API. First releases are deployed with gray's own deploy use case (it creates the objects).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type GrayConfig, parseGrayConfig } from '../../../functions/config.js';
import type { ReleaseDeps } from '../../../functions/release/context.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { OperationStore } from '../../../functions/release/operations.js';
import { createGrayRuntime, type GrayRuntime, readGrayEnv } from '../../../functions/slack/runtime.js';
import { handleWorkerJob } from '../../../functions/slack/worker-jobs.js';
import { createSlackHandler } from '../../../functions/slack.js';
import { createClusterResolver } from '../../../functions/wiring.js';
import { createTestTable, type TestTable } from '../../support/dynamodb-table.js';
import { type KubeApiServer, startKubeApiServer } from '../../support/kube-api-server/index.js';
import { buildKubeConfigYaml } from '../../support/kube-api-server/kubeconfig.js';
import { type SlackApiServer, startSlackApiServer } from '../../support/slack-api-server.js';
import { buttonClickBody, signedEvent, slashCommandBody } from '../../support/slack-requests.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { TrackedDispatcher } from './tracked-dispatcher.js';

/** The signing secret every stack's handler verifies with. */
export const SIGNING_SECRET = 'gray-reliability-signing-secret';
/** The channel commands come from (no service restricts channels). */
export const CHANNEL = 'C0RELIABLE';
/** Namespace of every service's objects. */
export const NAMESPACE = 'reliability';
/** First release of every service (blue). */
export const V0 = '1.0.0-aaaaaaa';
/** Second release of every service (green). */
export const V1 = '1.0.1-bbbbbbb';

/** `svc-01` … `svc-<n>`, with an optional prefix instead of `svc`. */
export function serviceNames(count: number, prefix = 'svc'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
}

/** A config with one entry per name in NAMESPACE (no approvals, 60 s rollouts); `overrides` apply to all. */
export function reliabilityConfig(names: string[], overrides: Record<string, unknown> = {}): GrayConfig {
  return parseGrayConfig({
    services: names.map((name) => ({
      name,
      namespace: NAMESPACE,
      host: `${name}.${NAMESPACE}.svc.cluster.local`,
      image: `happyride/${name}`,
      port: 8080,
      replicas: 2,
      strategy: 'blue-green',
      bakeTime: '2h',
      rolloutTimeout: '60s',
      approvalRequired: [],
      ...overrides,
    })),
  });
}

/** What the handler answered: HTTP status, parsed JSON body (or text), and the error when it threw. */
export interface HandlerReply {
  statusCode: number;
  body: { text?: string; response_type?: string } | string;
  /** Set when the handler threw (API Gateway answers 500 for an invocation error). */
  thrown?: string;
}

/** A running stack; `close()` stops every server and drops the table. */
export interface ReliabilityStack {
  runtime: GrayRuntime;
  /** The release deps the worker uses (the same store, clusters and clock). */
  release: ReleaseDeps;
  /** The same deps reaching the Kubernetes API server directly, never through the fault proxy (checks). */
  direct: ReleaseDeps;
  /** Release deps plus the operation store: what sweep() and runQueuedOperation() take. */
  sweepDeps: ReleaseDeps & { operations: OperationStore };
  kube: KubeApiServer;
  /** The fault proxy between gray and `kube`, when the stack was started with one. */
  proxy?: FaultProxy;
  slack: SlackApiServer;
  table: TestTable;
  /** The worker hand-off the Slack listeners use (jobs run in this process). */
  dispatcher: TrackedDispatcher;
  /** Real time plus an offset the test can advance (lock budgets, expiry). */
  clock: { now(): number; advance(ms: number): void; sleep(ms: number): Promise<void> };
  /** Invokes functions/slack.ts with an API Gateway event; a throw becomes `{statusCode: 500, thrown}`. */
  invoke(event: APIGatewayProxyEventV2): Promise<HandlerReply>;
  /** Sends `/gray <text>` signed, as `user`; `id` names its trigger (`trigger-<id>`) and response URL (`<id>`). Returns the ack. */
  command(text: string, id: string, user?: string): Promise<HandlerReply>;
  /** Resolves when the worker has run the job of the command sent with `id` (at once when none was handed over). */
  commandDone(id: string): Promise<void>;
  /** Texts posted to the response URL `id` (a command's id, or `click-<action_ts>`), oldest first. */
  answers(id: string): string[];
  /** Sends one signed button click; the same `actionTs`, `messageTs` and `actionId` is the same delivery. */
  click(click: {
    actionId: string;
    value: string;
    user: string;
    messageTs: string;
    actionTs: string;
  }): Promise<HandlerReply>;
  close(): Promise<void>;
}

/** Parses a handler answer the way Slack would read it. */
function toReply(response: { statusCode: number; body: string }): HandlerReply {
  try {
    return { statusCode: response.statusCode, body: response.body ? JSON.parse(response.body) : '' };
  } catch {
    return { statusCode: response.statusCode, body: response.body };
  }
}

/**
 * Starts the servers (and the fault proxy when `faultProxy`), a fresh table, and the runtime for
 * `services` (names) with `config` overrides; the Kubernetes adapter backs off 1 ms and does not sleep
 * for Retry-After (it records the asked delays in `sleeps`).
 */
export async function startReliabilityStack(
  dynamoEndpoint: string,
  options: { services: string[]; config?: Record<string, unknown>; faultProxy?: boolean; seed?: number },
): Promise<ReliabilityStack & { sleeps: number[] }> {
  const [kube, table, slack] = await Promise.all([
    startKubeApiServer({ rolloutDelayMs: 30 }),
    createTestTable(dynamoEndpoint, 'gray-reliability'),
    startSlackApiServer({ responseUrlMaxUses: 1000 }),
  ]);
  const proxy = options.faultProxy ? await startFaultProxy(kube.url, options.seed ?? 1) : undefined;
  let offset = 0;
  const clock = {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20))),
  };
  const sleeps: number[] = [];
  const env = readGrayEnv({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    GRAY_TABLE_NAME: table.tableName,
  });
  const runtime = createGrayRuntime(env, {
    config: reliabilityConfig(options.services, options.config),
    dynamo: table.client,
    access: {
      kubeconfigYaml: buildKubeConfigYaml(proxy?.url ?? kube.url, kube.caData, kube.token, NAMESPACE),
      kubernetes: { minBackoffMs: 1, sleep: async (ms) => void sleeps.push(ms) },
    },
    clock,
    pollMs: 20,
    reporterIntervalMs: 0,
    logError: () => undefined,
  });
  const dispatcher = new TrackedDispatcher((job) => handleWorkerJob(runtime.worker, job));
  const handler = createSlackHandler({
    signingSecret: SIGNING_SECRET,
    dispatcher,
    logError: () => undefined,
  });
  const invoke = async (event: APIGatewayProxyEventV2): Promise<HandlerReply> => {
    try {
      return toReply(await handler(event, {} as never));
    } catch (error) {
      return { statusCode: 500, body: '', thrown: String(error) };
    }
  };
  const release = runtime.worker.release;
  const direct: ReleaseDeps = {
    ...release,
    clusterFor: createClusterResolver({
      kubeconfigYaml: kube.kubeConfigYaml(NAMESPACE),
      kubernetes: { minBackoffMs: 1, sleep: async () => undefined },
    }),
  };
  return {
    runtime,
    release,
    direct,
    sweepDeps: { ...release, operations: runtime.worker.operations },
    kube,
    ...(proxy ? { proxy } : {}),
    slack,
    table,
    dispatcher,
    clock,
    sleeps,
    invoke,
    command: (text, id, user = 'U0ALICE') =>
      invoke(
        signedEvent(
          slashCommandBody(text, {
            user,
            channel: CHANNEL,
            triggerId: `trigger-${id}`,
            responseUrl: slack.responseUrl(id),
          }),
          { secret: SIGNING_SECRET },
        ),
      ),
    commandDone: (id) => dispatcher.finished(`command:trigger-${id}`),
    answers: (id) => slack.responses(id).map((r) => String((r as { text?: unknown }).text ?? '')),
    click: (click) =>
      invoke(
        signedEvent(
          buttonClickBody({
            ...click,
            channel: CHANNEL,
            responseUrl: slack.responseUrl(`click-${click.actionTs}`),
          }),
          { secret: SIGNING_SECRET },
        ),
      ),
    close: async () => {
      await dispatcher.idle();
      await Promise.all([kube.close(), slack.close(), table.drop(), proxy?.close()]);
    },
  };
}

/**
 * Deploys the first release of each service (blue, V0: creates Service, DestinationRule, Deployment and
 * VirtualService) and, unless `blueOnly`, V1 to green (ready, 0%), `concurrency` services at a time.
 * Throws the first deploy error.
 */
export async function deployFirstReleases(
  deps: ReleaseDeps,
  services: string[],
  options: { blueOnly?: boolean; concurrency?: number } = {},
): Promise<void> {
  const queue = [...services];
  const worker = async () => {
    for (let service = queue.shift(); service; service = queue.shift()) {
      await deploy(deps, { service, actor: 'U0SETUP', slot: 'blue', version: V0 });
      if (!options.blueOnly) await deploy(deps, { service, actor: 'U0SETUP', slot: 'green', version: V1 });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
}

/** Runs `tasks` with at most `limit` in flight; resolves with their results in order. */
export async function inBatches<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
