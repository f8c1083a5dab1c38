/**
 * The worker's handling of a `/gray` command the Slack function acked: status and history answered
 * through the response_url; writes recorded, answered and run in the same invocation.
 */
import type { KnownBlock } from '@slack/types';
import { getHistory, getStatus } from '../release/status.js';
import type { WorkerDeps } from './deps.js';
import type { CommandJob } from './dispatch.js';
import { renderHistory } from './views/history.js';
import { renderStatus } from './views/status.js';
import { answerAndRun, failure, reply, type Submitted, submit } from './worker-submit.js';

/** `/gray status [svc]`: every named (or this channel's) service, read from the cluster; ≤ 50 blocks. */
async function answerStatus(deps: WorkerDeps, job: CommandJob, service: string | undefined) {
  const { config } = deps.release;
  const names = service
    ? [service]
    : config.services
        .filter((s) => s.allowedChannels.length === 0 || s.allowedChannels.includes(job.channel))
        .map((s) => s.name);
  const statuses = await Promise.all(names.map((name) => getStatus(deps.release, { service: name })));
  const views = statuses.map((status) => renderStatus(status));
  const blocks = views
    .flatMap((v, i): KnownBlock[] => (i === 0 ? v.blocks : [{ type: 'divider' }, ...v.blocks]))
    .slice(0, 50);
  const text = views.map((v) => v.text).join('\n') || 'no services are configured for this channel';
  await reply(deps, job.responseUrl, { text, blocks }, job.triggerId);
}

/**
 * Runs one command job. Status and history: the answer or a refusal goes to the response_url. Writes:
 * requestOperation under the delivery key `command:<trigger_id>` (so a redelivered job applies once),
 * the outcome (`queued: …`, `already queued …`, the approval notice, or the refusal) to the
 * response_url while the queued operation runs here. Only errors of the run itself propagate.
 */
export async function runCommandJob(deps: WorkerDeps, job: CommandJob): Promise<void> {
  const { command } = job;
  let submitted: Submitted;
  try {
    if (command.verb === 'status') return await answerStatus(deps, job, command.service);
    if (command.verb === 'history') {
      const events = await getHistory(deps.release, { service: command.service, limit: command.limit });
      return await reply(deps, job.responseUrl, renderHistory(command.service, events), job.triggerId);
    }
    submitted = await submit(deps, command, job.user, job.channel, `command:${job.triggerId}`);
  } catch (error) {
    await reply(deps, job.responseUrl, failure(deps, error, job.triggerId), job.triggerId);
    return;
  }
  await answerAndRun(deps, job.responseUrl, submitted, job.triggerId);
}
