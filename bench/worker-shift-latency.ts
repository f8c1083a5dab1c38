// Context for figure 4: a Slack `/gray weight` as the worker runs it — the command job the Slack
// function hands over (enqueue under the lock, the `queued` answer, then the start — queued → running
// with the lock renewed, one transaction — the record and the slots' LIST at once, the PATCH, the
// commit, the channel message) — until
// the VirtualService is patched, against the same raw PATCH on the same server. Slack is the loopback
// Web API; Lambda's own hand-off (the async invoke) cannot run here and is not in it.
import type { CommandJob } from '../functions/slack/dispatch.js';
import { handleWorkerJob } from '../functions/slack/worker-jobs.js';
import { CHANNEL, startSlackStack } from '../test/support/slack-stack.js';
import type { BenchSizes } from './support/figure.js';
import { interleave, type LatencySummary, ratio, summarize } from './support/stats.js';
import {
  notingPatches,
  SERVICE,
  shiftVariants,
  virtualServiceWeights,
} from './support/virtual-service-weights.js';

/** What the worker path measured: job → VirtualService patched, the whole job, and the raw PATCH. */
export interface WorkerShiftLatency {
  untilPatched: LatencySummary;
  wholeJob: LatencySummary;
  rawPatch: LatencySummary;
  /** untilPatched.p50 / rawPatch.p50. */
  ratio: number;
  /** DynamoDB requests of one job, by operation. */
  dynamoRequests: Record<string, number>;
}

/**
 * Runs `sizes.shiftIterations` weight command jobs (10 % / 20 % alternately, each its own trigger id)
 * through `handleWorkerJob` and as many raw PATCHes (14 % / 16 %), in turns of 10 after
 * `sizes.shiftWarmup` each, on a Slack stack against the DynamoDB Local at `dynamoEndpoint`.
 * Throws if a job or PATCH left other weights.
 */
export async function measureWorkerShiftLatency(
  dynamoEndpoint: string,
  sizes: BenchSizes,
): Promise<WorkerShiftLatency> {
  const stack = await startSlackStack(dynamoEndpoint);
  try {
    await stack.command(`deploy ${SERVICE} green 1.0.1-3b7c9e1`);
    await stack.dispatcher.idle();
    const release = stack.runtime.worker.release;
    const clusterFor = release.clusterFor;
    let jobs = 0;
    const job = (weight: number): CommandJob => {
      jobs += 1;
      return {
        kind: 'command',
        command: { verb: 'weight', service: SERVICE, weight },
        user: 'U0ALICE',
        channel: CHANNEL,
        triggerId: `bench-${jobs}`,
        responseUrl: stack.slack.responseUrl(`bench-${jobs}`),
      };
    };
    const vs = virtualServiceWeights(stack.kube);
    vs.expect(0);
    const pair = shiftVariants(vs, sizes.shiftWarmup, async (green) => {
      await handleWorkerJob(stack.runtime.worker, job(green));
    });
    release.clusterFor = (service) => notingPatches(clusterFor(service), pair.onPatched);
    const times = await interleave(
      { worker: pair.gray, raw: pair.raw },
      { warmup: sizes.shiftWarmup, iterations: sizes.shiftIterations, block: 10 },
    );
    stack.table.requests.reset();
    await handleWorkerJob(stack.runtime.worker, job(12));
    vs.expect(12);
    const patched = summarize(pair.untilPatched);
    const raw = summarize(times.raw);
    return {
      untilPatched: patched,
      wholeJob: summarize(times.worker),
      rawPatch: raw,
      ratio: ratio(patched.p50, raw.p50),
      dynamoRequests: stack.table.requests.snapshot(),
    };
  } finally {
    await stack.close();
  }
}
