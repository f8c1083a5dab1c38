// The local dispatcher of the reliability stack: like functions/slack/dispatch.ts's InlineDispatcher it
// runs each job with the worker's own handler (handleWorkerJob) after the current tick, and it also lets
// a test await one operation's job instead of polling DynamoDB for its state.
import type { Dispatcher, WorkerJob } from '../../../functions/slack/dispatch.js';

/** Runs dispatched jobs in this process; `finished(operationId)` and `idle()` wait for them. */
export class TrackedDispatcher implements Dispatcher {
  /** Jobs handed over so far, in order. */
  readonly jobs: WorkerJob[] = [];
  private readonly byOperation = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();

  /** `run` is the worker's job handler; its errors are logged, as a Lambda async invoke would. */
  constructor(private readonly run: (job: WorkerJob) => Promise<void>) {}

  /** Schedules the job on the next macrotask. */
  async dispatch(job: WorkerJob): Promise<void> {
    this.jobs.push(job);
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(job))
      .catch((error: unknown) => console.error('gray worker job failed', job, error))
      .finally(() => this.running.delete(done));
    this.running.add(done);
    if (job.kind === 'operation') this.byOperation.set(job.operationId, done);
  }

  /** Resolves when the job dispatched for `operationId` has run (at once when none was dispatched). */
  async finished(operationId: string): Promise<void> {
    await this.byOperation.get(operationId);
  }

  /** Resolves once no job is running (including jobs dispatched by running jobs). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
