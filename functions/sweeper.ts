/**
 * Lambda: EventBridge schedule (every minute). Reconciles operations whose worker died, runs due
 * teardowns exactly once after re-checking the live cluster, reports drift once per difference, runs
 * due canary analyses (editing each canary's message), and tells each service's channel what it did.
 */
import type { ScheduledEvent } from 'aws-lambda';
import type { SweepNotice, SweepReport } from './release/sweep.js';
import { sweep } from './release/sweep.js';
import { CanaryPublisher } from './slack/canary-publisher.js';
import { createGrayRuntime, type GrayRuntime, logger, readGrayEnv } from './slack/runtime.js';
import { resolveSlackSecrets } from './slack/secrets.js';

let runtime: GrayRuntime | undefined;

/** Posts each notice to its service's channel; notices without a channel go to the logs only. */
export async function postNotices(run: GrayRuntime, notices: SweepNotice[]): Promise<void> {
  for (const notice of notices) {
    if (!notice.channel) {
      logger.info('sweeper notice without a channel', { ...notice });
      continue;
    }
    await run.web.chat.postMessage({ channel: notice.channel, text: notice.text });
  }
}

/** Runs one sweep with a runtime (tests pass one wired to local servers). */
export async function runSweep(run: GrayRuntime): Promise<SweepReport> {
  const report = await sweep({ ...run.worker.release, operations: run.worker.operations });
  await postNotices(run, report.notices);
  const canaries = new CanaryPublisher(run.web, run.worker.operations, () => run.worker.release.clock.now());
  for (const update of report.canaries) {
    // One canary's Slack trouble must not keep the others' messages stale.
    await canaries.publish(update).catch((error: unknown) => {
      logger.error('canary message not published', { service: update.service, error: error as Error });
    });
  }
  logger.info('sweep done', {
    recovered: report.recovered,
    tornDown: report.tornDown,
    blocked: report.blocked,
    drifted: report.drifted,
    canaries: report.canaries.map((c) => `${c.service}: ${c.record.canary?.status ?? 'none'}`),
  });
  return report;
}

/** The deployed entry point. */
export async function handler(_event: ScheduledEvent): Promise<SweepReport> {
  runtime ??= createGrayRuntime(readGrayEnv({ ...process.env, ...(await resolveSlackSecrets(process.env)) }));
  return runSweep(runtime);
}
