// The local dispatcher of the reliability stack: like functions/slack/dispatch.ts's InlineDispatcher it
// runs each job with the worker's own handler (handleWorkerJob) after the current tick, and it also lets
// a test await the jobs of one delivery (a command's trigger, a click's action_ts, an event id, an
// operation) instead of polling DynamoDB for their effects.
import type { Dispatcher, WorkerJob } from '../../../functions/slack/dispatch.js';

/** The delivery a job belongs to: `command:<trigger_id>`, `action:<action_ts>`, `home:<event_id>`, `operation:<id>`. */
export function deliveryOf(job: WorkerJob): string {
  switch (job.kind) {
    case 'command':
      return `command:${job.triggerId}`;
    case 'action':
      return `action:${job.actionTs}`;
    case 'home':
      return `home:${job.eventId}`;
    case 'operation':
      return `operation:${job.operationId}`;
  }
}

/** Runs dispatched jobs in this process; `finished(delivery)` and `idle()` wait for them. */
export class TrackedDispatcher implements Dispatcher {
  /** Jobs handed over so far, in order. */
  readonly jobs: WorkerJob[] = [];
  private readonly byDelivery = new Map<string, Promise<void>[]>();
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
    const key = deliveryOf(job);
    this.byDelivery.set(key, [...(this.byDelivery.get(key) ?? []), done]);
  }

  /** Resolves when every job dispatched so far for `delivery` (see deliveryOf) has run; at once when none was. */
  async finished(delivery: string): Promise<void> {
    await Promise.all(this.byDelivery.get(delivery) ?? []);
  }

  /** Resolves once no job is running (including jobs dispatched by running jobs). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
