/**
 * The Slack function's hand-off to the worker: one asynchronous Lambda Invoke (`Event`) over a signed
 * fetch. Lambda answers 202 once the event is in the function's async queue; from there Lambda owns it
 * (retries on error, then the on-failure destination, the DLQ), so an acked command is not lost when a
 * worker dies.
 */

import {
  type AwsCredentials,
  awsEndpoint,
  credentialsFromEnv,
  regionFromEnv,
  signedFetch,
} from '../aws/signed-fetch.js';
import { GrayError } from '../release/errors.js';
import type { Dispatcher, WorkerJob } from './dispatch.js';

/** Lambda refused or failed an Invoke; `status` is the HTTP status (0 when no answer came). */
export class WorkerInvokeError extends GrayError {
  /** `status` is Lambda's HTTP status; the message names the function and Lambda's error. */
  constructor(
    message: string,
    readonly status: number,
    options: { cause?: unknown } = {},
  ) {
    super('worker_unavailable', message, { ...options, expose: false });
  }
}

/** Where and as whom to invoke. */
export interface LambdaInvokeOptions {
  region: string;
  credentials: AwsCredentials;
  /** Base URL of the Lambda API; default `https://lambda.<region>.amazonaws.com`. */
  endpoint?: string;
  /** ms before giving up (default 2,000). */
  timeoutMs?: number;
}

/**
 * POSTs `payload` (JSON) to `/2015-03-31/functions/<functionName>/invocations` with
 * `X-Amz-Invocation-Type: Event`, signed for `lambda`. Resolves on 202; throws WorkerInvokeError with
 * the status and Lambda's error type otherwise (or status 0 when the request itself failed).
 */
export async function invokeEvent(
  functionName: string,
  payload: unknown,
  options: LambdaInvokeOptions,
): Promise<void> {
  const base = (options.endpoint ?? awsEndpoint('lambda', options.region)).replace(/\/+$/, '');
  const url = `${base}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  let response: Response;
  try {
    response = await signedFetch({
      service: 'lambda',
      region: options.region,
      credentials: options.credentials,
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify(payload),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  } catch (error) {
    throw new WorkerInvokeError(
      `invoke ${functionName}: no answer from Lambda (${(error as Error).message})`,
      0,
      { cause: error },
    );
  }
  if (response.status === 202) return;
  const text = await response.text().catch(() => '');
  const type = response.headers.get('x-amzn-errortype')?.split(':')[0];
  throw new WorkerInvokeError(
    `invoke ${functionName}: Lambda answered ${response.status}${type ? ` ${type}` : ''}: ${text.slice(0, 300)}`,
    response.status,
  );
}

/** AWS: each job is one asynchronous (`Event`) invoke of the worker function. */
export class LambdaDispatcher implements Dispatcher {
  /** `functionName` is the worker's name or ARN. */
  constructor(
    private readonly functionName: string,
    private readonly options: LambdaInvokeOptions,
  ) {}

  /**
   * From the Lambda environment: region `AWS_REGION`, the role's credentials from the environment,
   * endpoint `GRAY_LAMBDA_ENDPOINT` when set (tests). Throws ConfigError when one is missing.
   */
  static fromEnv(
    functionName: string,
    env: Record<string, string | undefined> = process.env,
  ): LambdaDispatcher {
    return new LambdaDispatcher(functionName, {
      region: regionFromEnv(env),
      credentials: credentialsFromEnv(env),
      ...(env.GRAY_LAMBDA_ENDPOINT ? { endpoint: env.GRAY_LAMBDA_ENDPOINT } : {}),
    });
  }

  /** One Invoke with the job as payload; throws WorkerInvokeError unless Lambda queued it (202). */
  async dispatch(job: WorkerJob): Promise<void> {
    await invokeEvent(this.functionName, job, this.options);
  }
}
