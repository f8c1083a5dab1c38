import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/** Work handed from the Slack handler (which must ack within 3 s) to the worker. */
export type WorkerJob =
  /** Run a queued operation (its record and lock already exist). */
  | { kind: 'operation'; operationId: string }
  /** Answer `/gray status [svc]` through the command's response_url (reads the cluster). */
  | { kind: 'status'; service?: string; channel: string; user: string; responseUrl: string };

/** Hands a job to the worker without waiting for it to run. */
export interface Dispatcher {
  /** Resolves once the job is handed over (not when it is done). */
  dispatch(job: WorkerJob): Promise<void>;
}

/** AWS: an asynchronous (`Event`) invoke of the worker function; Lambda retries and the DLQ take over. */
export class LambdaDispatcher implements Dispatcher {
  /** `functionName` is the worker's name or ARN. */
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  /** One Invoke with InvocationType Event; throws the SDK error if Lambda refuses it. */
  async dispatch(job: WorkerJob): Promise<void> {
    await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: JSON.stringify(job),
      }),
    );
  }
}

/**
 * Local (tests, demo, `GRAY_DISPATCH=inline`): the same worker code in this process, started after
 * the current tick so the Slack ack is not held. `idle()` resolves when every job has finished.
 */
export class InlineDispatcher implements Dispatcher {
  private readonly running = new Set<Promise<void>>();
  private held: WorkerJob[] | undefined;
  /** Jobs handed over so far, in order. */
  readonly jobs: WorkerJob[] = [];

  /** `run` is the worker's job handler. */
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
