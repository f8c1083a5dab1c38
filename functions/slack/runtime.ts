/**
 * Cold-start wiring for the Slack handler and the worker: environment checked with zod once, then
 * the config, DynamoDB stores, Kubernetes access, Slack Web API client and the dispatcher.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { type GrayConfig, loadGrayConfig } from '../config.js';
import type { ReleaseDeps } from '../release/context.js';
import { ConfigError } from '../release/errors.js';
import type { Clock } from '../release/ports.js';
import { systemClock } from '../release/ports.js';
import { DynamoDbOperationStore } from '../store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../store/dynamodb-release-store.js';
import { type ClusterAccessOptions, createClusterResolver, createMetricsResolver } from '../wiring.js';
import type { SlackDeps } from './deps.js';
import { type Dispatcher, InlineDispatcher, LambdaDispatcher } from './dispatch.js';
import { SlackOperationReporter } from './slack-reporter.js';
import { handleWorkerJob, postToResponseUrl, type WorkerDeps } from './worker-jobs.js';

const envSchema = z.object({
  SLACK_SIGNING_SECRET: z
    .string()
    .min(1, 'SLACK_SIGNING_SECRET is required (the Slack app’s signing secret)'),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'SLACK_BOT_TOKEN must be the bot token (xoxb-…)'),
  SLACK_API_URL: z.url().optional(),
  GRAY_TABLE_NAME: z.string().min(3, 'GRAY_TABLE_NAME is required (the DynamoDB table)'),
  GRAY_DISPATCH: z.enum(['lambda', 'inline']).default('lambda'),
  GRAY_WORKER_FUNCTION: z.string().optional(),
});

/** Structured JSON logs (Powertools); internal errors carry the correlation id users see in Slack. */
export const logger = new Logger({ serviceName: 'gray' });

/** The checked environment of the Slack and worker functions. */
export type GrayEnv = z.output<typeof envSchema>;

/** Checks the environment; throws ConfigError naming every problem. */
export function readGrayEnv(env: Record<string, string | undefined> = process.env): GrayEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `environment is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  if (parsed.data.GRAY_DISPATCH === 'lambda' && !parsed.data.GRAY_WORKER_FUNCTION) {
    throw new ConfigError(
      'GRAY_WORKER_FUNCTION is required when GRAY_DISPATCH=lambda (the worker function’s name)',
    );
  }
  return parsed.data;
}

/** Everything both functions use, built once per container. */
export interface GrayRuntime {
  env: GrayEnv;
  slack: SlackDeps;
  worker: WorkerDeps;
  web: WebClient;
  dispatcher: Dispatcher;
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
  const dynamo = overrides.dynamo ?? new DynamoDBClient({});
  const store = new DynamoDbReleaseStore(dynamo, env.GRAY_TABLE_NAME);
  const operations = new DynamoDbOperationStore(dynamo, env.GRAY_TABLE_NAME);
  const clock = overrides.clock ?? systemClock;
  const logError =
    overrides.logError ??
    ((error: unknown, correlationId: string) =>
      logger.error('internal error', { correlationId, error: error as Error }));
  const release: ReleaseDeps = {
    config,
    store,
    clusterFor: createClusterResolver(overrides.access),
    metricsFor: createMetricsResolver(overrides.access),
    clock,
    ...(overrides.pollMs !== undefined ? { pollMs: overrides.pollMs } : {}),
  };
  const web = new WebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {});
  const worker: WorkerDeps = {
    release,
    operations,
    reporter: new SlackOperationReporter(web, operations, overrides.reporterIntervalMs ?? 1000),
    respond: postToResponseUrl,
    logError,
  };
  const dispatcher: Dispatcher =
    env.GRAY_DISPATCH === 'inline'
      ? new InlineDispatcher((job) => handleWorkerJob(worker, job))
      : new LambdaDispatcher(new LambdaClient({}), env.GRAY_WORKER_FUNCTION ?? '');
  const slack: SlackDeps = { config, store, operations, clock, release, dispatcher, logError };
  return { env, slack, worker, web, dispatcher };
}
