/**
 * Lambda: runs one job handed over by the Slack handler (an asynchronous invoke): a queued release
 * operation, reported as one Slack message edited in place, or a status query.
 */
import type { WorkerJob } from './slack/dispatch.js';
import { createGrayRuntime, type GrayRuntime, readGrayEnv } from './slack/runtime.js';
import { resolveSlackSecrets } from './slack/secrets.js';
import { handleWorkerJob } from './slack/worker-jobs.js';

let runtime: GrayRuntime | undefined;

/** The deployed entry point; idempotent for redelivered operation jobs. */
export async function handler(job: WorkerJob): Promise<void> {
  runtime ??= createGrayRuntime(readGrayEnv({ ...process.env, ...(await resolveSlackSecrets(process.env)) }));
  await handleWorkerJob(runtime.worker, job);
}
