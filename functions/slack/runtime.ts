/**
 * Cold-start wiring of the worker and the sweeper (the Slack function has its own, light one in
 * functions/slack.ts): environment checked with zod once, then the config, DynamoDB stores,
 * Kubernetes access, the Slack Web API client and the operation reporter.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WebClient } from '@slack/web-api';
import * as z from 'zod/mini';
import { type GrayConfig, loadGrayConfig } from '../config.js';
import type { ReleaseDeps } from '../release/context.js';
import { ConfigError } from '../release/errors.js';
import type { Clock } from '../release/ports.js';
import { systemClock } from '../release/ports.js';
import { grayDynamoDbClient } from '../store/document-client.js';
import { DynamoDbOperationStore } from '../store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../store/dynamodb-release-store.js';
import { type ClusterAccessOptions, createClusterResolver, createMetricsResolver } from '../wiring.js';
import type { WorkerDeps } from './deps.js';
import { InlineDispatcher } from './dispatch.js';
import { logInternalError } from './logger.js';
import { SlackOperationReporter } from './slack-reporter.js';
import { handleWorkerJob, postToResponseUrl } from './worker-jobs.js';

export { logger } from './logger.js';

// zod/mini, as config.ts (which also loads the English messages): the classic 'zod' would put its whole
// 0.8 MB back into the worker's and sweeper's bundles for these three checks.
const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().check(z.regex(/^xoxb-/, 'SLACK_BOT_TOKEN must be the bot token (xoxb-…)')),
  SLACK_API_URL: z.optional(z.url()),
  GRAY_TABLE_NAME: z.string().check(z.minLength(3, 'GRAY_TABLE_NAME is required (the DynamoDB table)')),
});

/** The checked environment of the worker and the sweeper. */
export type GrayEnv = z.output<typeof envSchema>;

/** Checks the environment; throws ConfigError naming every problem. */
export function readGrayEnv(env: Record<string, string | undefined> = process.env): GrayEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `environment is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Everything the worker and the sweeper use, built once per container. */
export interface GrayRuntime {
  env: GrayEnv;
  worker: WorkerDeps;
  web: WebClient;
}

/** Parts a test or the demo may replace. */
export interface RuntimeOverrides {
  config?: GrayConfig;
  dynamo?: DynamoDBClient;
  access?: ClusterAccessOptions;
  clock?: Clock;
  pollMs?: number;
  reporterIntervalMs?: number;
  logError?: (error: unknown, correlationId: string) => void;
}

/** Builds the runtime from a checked environment; `overrides` replace parts for tests and the demo. */
export function createGrayRuntime(env: GrayEnv, overrides: RuntimeOverrides = {}): GrayRuntime {
  const config = overrides.config ?? loadGrayConfig();
  const dynamo = overrides.dynamo ?? grayDynamoDbClient();
  const store = new DynamoDbReleaseStore(dynamo, env.GRAY_TABLE_NAME);
  const operations = new DynamoDbOperationStore(dynamo, env.GRAY_TABLE_NAME);
  const release: ReleaseDeps = {
    config,
    store,
    clusterFor: createClusterResolver(overrides.access),
    metricsFor: createMetricsResolver(overrides.access),
    clock: overrides.clock ?? systemClock,
    ...(overrides.pollMs !== undefined ? { pollMs: overrides.pollMs } : {}),
  };
  const web = new WebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {});
  const worker: WorkerDeps = {
    release,
    operations,
    reporter: new SlackOperationReporter(web, operations, overrides.reporterIntervalMs ?? 1000),
    web,
    respond: postToResponseUrl,
    logError: overrides.logError ?? logInternalError,
  };
  return { env, worker, web };
}

/**
 * `GRAY_DISPATCH=inline` (tests, `npm run demo`, `npm run dev`): a dispatcher that runs the worker's
 * jobs in this process with `runtime`'s deps, where the deployed Slack function invokes the worker Lambda.
 */
export function createInlineDispatcher(runtime: GrayRuntime): InlineDispatcher {
  return new InlineDispatcher((job) => handleWorkerJob(runtime.worker, job));
}
