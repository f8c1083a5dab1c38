/**
 * Lambda: runs one job the Slack function handed over (an asynchronous invoke): a `/gray` command
 * (recorded under the service lock, answered on its response_url, run and reported as one Slack
 * message edited in place), a button click, an App Home view, or an already queued operation.
 */
import type { WorkerJob } from './slack/dispatch.js';
import { createGrayRuntime, type GrayRuntime, readGrayEnv } from './slack/runtime.js';
import { resolveSlackSecrets } from './slack/secrets.js';
import { handleWorkerJob } from './slack/worker-jobs.js';

let runtime: GrayRuntime | undefined;

/** The deployed entry point; idempotent for redelivered jobs (Lambda retries a job that throws). */
export async function handler(job: WorkerJob): Promise<void> {
  runtime ??= createGrayRuntime(readGrayEnv({ ...process.env, ...(await resolveSlackSecrets(process.env)) }));
  await handleWorkerJob(runtime.worker, job);
}
