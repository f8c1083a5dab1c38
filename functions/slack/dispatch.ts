/**
 * The hand-off from the Slack function to the worker. The Slack function only verifies, parses and
 * acks; everything that reads or writes state (DynamoDB, Kubernetes, the Slack Web API) runs in the
 * worker from one of these jobs. Jobs are JSON (a Lambda `Event` invoke payload), so they carry plain
 * fields only. Imports nothing but types: the Slack function's cold start depends on it.
 */
import type { GrayCommand } from '../release/commands.js';

/** A parsed `/gray` command other than help (help is answered in the ack). */
export type DispatchedCommand = Exclude<GrayCommand, { verb: 'help' }>;

/** `/gray …` as the Slack function parsed it: the worker records, authorises and runs it. */
export interface CommandJob {
  kind: 'command';
  command: DispatchedCommand;
  /** Slack user id of who typed it. */
  user: string;
  channel: string;
  /** Slack's trigger_id: one per typed command, so `command:<trigger_id>` is the delivery key. */
  triggerId: string;
  /** Where the worker answers the user (ephemeral, `replace_original: false`). */
  responseUrl: string;
}

/** A click of a `gray_…` button, as raw as Slack sent it: the worker checks every field. */
export interface ActionJob {
  kind: 'action';
  actionId: string;
  /** The button's value (JSON for next-step buttons, the approval id for Approve/Reject). */
  value: string;
  /** Slack's action_ts; with the message ts and action id it names one click (the delivery key). */
  actionTs: string;
  /** The ts of the message holding the button ('' when Slack sent none). */
  messageTs: string;
  user: string;
  /** '' when the click came from outside a channel. */
  channel: string;
  responseUrl: string;
}

/** `app_home_opened`: the worker publishes the Home tab once per event id. */
export interface HomeJob {
  kind: 'home';
  /** Slack's event_id (the same on every retry of one event). */
  eventId: string;
  user: string;
}

/** Runs an already queued operation (its record and lock exist): recovery and redeliveries. */
export interface OperationJob {
  kind: 'operation';
  operationId: string;
}

/** Work handed from the Slack function (which must ack within 3 s) to the worker. */
export type WorkerJob = CommandJob | ActionJob | HomeJob | OperationJob;

/** Hands a job to the worker without waiting for it to run. */
export interface Dispatcher {
  /** Resolves once the job is handed over (not when it is done); throws when the hand-off failed. */
  dispatch(job: WorkerJob): Promise<void>;
}

/**
 * Local (tests, `npm run demo`, `npm run dev`): the worker's job handler in this process, started
 * after the current tick so the Slack ack is not held. `idle()` resolves when every job has finished.
 */
export class InlineDispatcher implements Dispatcher {
  private readonly running = new Set<Promise<void>>();
  private held: WorkerJob[] | undefined;
  /** Jobs handed over so far, in order. */
  readonly jobs: WorkerJob[] = [];

  /** `run` is the worker's job handler (handleWorkerJob with the worker's deps). */
  constructor(private readonly run: (job: WorkerJob) => Promise<void>) {}

  /** Schedules the job on the next macrotask (or keeps it while held). */
  async dispatch(job: WorkerJob): Promise<void> {
    this.jobs.push(job);
    if (this.held) {
      this.held.push(job);
      return;
    }
    this.start(job);
  }

  /** Keeps dispatched jobs from running until `release()` (tests prove the ack path alone). */
  hold(): void {
    this.held ??= [];
  }

  /** Starts every held job and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const job of held) this.start(job);
  }

  private start(job: WorkerJob): void {
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(job))
      .catch((error: unknown) => {
        console.error('gray worker job failed', job, error);
      })
      .finally(() => {
        this.running.delete(done);
      });
    this.running.add(done);
  }

  /** Resolves once no job is running (including jobs dispatched by running jobs). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
