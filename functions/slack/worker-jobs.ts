/**
 * The worker's entry for every job the Slack function hands over (functions/worker.ts in Lambda, the
 * InlineDispatcher locally). Every job is idempotent: Lambda's async queue may deliver one twice, and
 * retries a job whose run failed.
 */
import type { WorkerDeps } from './deps.js';
import type { WorkerJob } from './dispatch.js';
import { runActionJob, runHomeJob } from './worker-actions.js';
import { runCommandJob } from './worker-commands.js';
import { runOperation } from './worker-submit.js';

export type { WorkerDeps } from './deps.js';

/** POSTs JSON to a response_url with fetch; throws when Slack answers non-2xx. */
export async function postToResponseUrl(
  responseUrl: string,
  message: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  if (!response.ok) throw new Error(`response_url answered ${response.status}`);
}

/**
 * Runs one job: a `/gray` command (answered on its response_url; a write is recorded under
 * `command:<trigger_id>` and run), a button click (claimed once), App Home (published once per event),
 * or an already queued operation (skipped once started). Refusals and failures of a request are
 * answered, not thrown; it throws when a queued operation could not be run or the Home tab not
 * published, so Lambda retries the job (the retry finds what the first attempt already did).
 */
export async function handleWorkerJob(deps: WorkerDeps, job: WorkerJob): Promise<void> {
  switch (job.kind) {
    case 'command':
      return runCommandJob(deps, job);
    case 'action':
      return runActionJob(deps, job);
    case 'home':
      return runHomeJob(deps, job);
    case 'operation':
      return runOperation(deps, job.operationId);
  }
}
