import type { KnownBlock } from '@slack/types';
import type { ReleaseDeps } from '../release/context.js';
import type { OperationStore } from '../release/operations.js';
import { type OperationReporter, runQueuedOperation, userFacingError } from '../release/run-queued.js';
import { getStatus } from '../release/status.js';
import type { WorkerJob } from './dispatch.js';
import { renderStatus } from './views/status.js';

/** What the worker needs: release deps, the operation store, a reporter, and a way to answer response_urls. */
export interface WorkerDeps {
  release: ReleaseDeps;
  operations: OperationStore;
  reporter: OperationReporter;
  /** POSTs a message to a Slack response_url (JSON, Slack's wire format). */
  respond: (responseUrl: string, message: Record<string, unknown>) => Promise<void>;
  logError: (error: unknown, correlationId: string) => void;
}

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
 * Runs one worker job: a queued operation (idempotent: a redelivered job for a started or finished
 * operation does nothing) or a status query answered through the command's response_url.
 */
export async function handleWorkerJob(deps: WorkerDeps, job: WorkerJob): Promise<void> {
  if (job.kind === 'operation') {
    await runQueuedOperation(
      { ...deps.release, operations: deps.operations, logError: deps.logError },
      job.operationId,
      deps.reporter,
    );
    return;
  }
  const { config } = deps.release;
  const names = job.service
    ? [job.service]
    : config.services
        .filter((s) => s.allowedChannels.length === 0 || s.allowedChannels.includes(job.channel))
        .map((s) => s.name);
  try {
    const statuses = await Promise.all(names.map((service) => getStatus(deps.release, { service })));
    const views = statuses.map((status) => renderStatus(status));
    const blocks = views
      .flatMap((v, i): KnownBlock[] => (i === 0 ? v.blocks : [{ type: 'divider' }, ...v.blocks]))
      .slice(0, 50);
    const text = views.map((v) => v.text).join('\n') || 'no services are configured for this channel';
    await deps.respond(job.responseUrl, {
      response_type: 'ephemeral',
      replace_original: false,
      text,
      blocks,
    });
  } catch (error) {
    const correlationId = `status:${job.user}:${Date.now()}`;
    const shown = userFacingError(error, correlationId);
    if (!shown.error.expose) deps.logError(error, correlationId);
    await deps.respond(job.responseUrl, {
      response_type: 'ephemeral',
      replace_original: false,
      text: shown.message,
    });
  }
}
