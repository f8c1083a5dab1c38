// The Slack function's hand-off: Lambda Invoke (Event) over a signed fetch, against a loopback Lambda
// endpoint that checks the wire format and verifies the SigV4 signature by signing the request again.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WorkerJob } from '../../../functions/slack/dispatch.js';
import { invokeEvent, LambdaDispatcher, WorkerInvokeError } from '../../../functions/slack/lambda-invoke.js';
import { startWorkerLambda, type WorkerLambdaServer } from '../../support/slack-worker-lambda.js';

const REGION = 'eu-west-1';
const SECRET = 'gray-test-secret-access-key';
let lambda: WorkerLambdaServer;

beforeAll(async () => {
  lambda = await startWorkerLambda({ region: REGION, secretAccessKey: SECRET });
});
afterAll(() => lambda.close());

let seen = 0;
beforeEach(() => {
  seen = lambda.invokes().length;
});
const latest = () => lambda.invokes().slice(seen);

const job: WorkerJob = {
  kind: 'command',
  command: { verb: 'weight', service: 'address-service', weight: 25 },
  user: 'U0ALICE',
  channel: 'C0RELEASES',
  triggerId: '13345224609.738474920.8088930838d88f008e0',
  responseUrl: 'https://hooks.slack.com/commands/T0/1/abc',
};

describe('invokeEvent', () => {
  it('POSTs the job as JSON to the invocations path with X-Amz-Invocation-Type Event, signed for lambda', async () => {
    await invokeEvent('gray-test-worker', job, {
      region: REGION,
      credentials: { accessKeyId: 'AKIAGRAYTEST', secretAccessKey: SECRET },
      endpoint: lambda.url,
    });

    const [invoke] = latest();
    expect(latest()).toHaveLength(1);
    expect(invoke).toMatchObject({
      method: 'POST',
      path: '/2015-03-31/functions/gray-test-worker/invocations',
      signatureValid: true,
    });
    expect(invoke!.headers['x-amz-invocation-type']).toBe('Event');
    expect(invoke!.headers['content-type']).toBe('application/json');
    expect(invoke!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAGRAYTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(invoke!.headers['x-amz-security-token']).toBeUndefined();
    expect(JSON.parse(invoke!.body)).toEqual(job);
  });

  it('sends and signs the session token of temporary (role) credentials', async () => {
    await invokeEvent('gray-test-worker', job, {
      region: REGION,
      credentials: {
        accessKeyId: 'ASIAGRAYTEST',
        secretAccessKey: SECRET,
        sessionToken: 'role-session-token',
      },
      endpoint: lambda.url,
    });

    const [invoke] = latest();
    expect(invoke!.headers['x-amz-security-token']).toBe('role-session-token');
    expect(invoke!.headers.authorization).toContain('x-amz-security-token');
    expect(invoke!.signatureValid).toBe(true);
  });

  it('percent-encodes a worker given by ARN in the path', async () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:gray-test-worker';

    await invokeEvent(arn, job, {
      region: REGION,
      credentials: { accessKeyId: 'AKIAGRAYTEST', secretAccessKey: SECRET },
      endpoint: `${lambda.url}/`,
    });

    expect(latest().map((i) => [i.path, i.signatureValid])).toEqual([
      [
        '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Agray-test-worker/invocations',
        true,
      ],
    ]);
  });

  it('throws WorkerInvokeError with the status and Lambda’s error type when Lambda does not queue the event', async () => {
    lambda.failNext(1, 429, 'TooManyRequestsException');

    const error = await invokeEvent('gray-test-worker', job, {
      region: REGION,
      credentials: { accessKeyId: 'AKIAGRAYTEST', secretAccessKey: SECRET },
      endpoint: lambda.url,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WorkerInvokeError);
    expect(error).toMatchObject({
      status: 429,
      code: 'worker_unavailable',
      expose: false,
      message:
        'invoke gray-test-worker: Lambda answered 429 TooManyRequestsException: {"Type":"User","message":"TooManyRequestsException (loopback)"}',
    });
  });

  it('throws WorkerInvokeError with status 0 when nothing answers', async () => {
    const error = await invokeEvent('gray-test-worker', job, {
      region: REGION,
      credentials: { accessKeyId: 'AKIAGRAYTEST', secretAccessKey: SECRET },
      endpoint: 'http://127.0.0.1:1',
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WorkerInvokeError);
    expect((error as WorkerInvokeError).status).toBe(0);
    expect((error as Error).message).toMatch(/^invoke gray-test-worker: no answer from Lambda \(/);
  });
});

describe('LambdaDispatcher.fromEnv', () => {
  it('invokes the worker with the region, role credentials and GRAY_LAMBDA_ENDPOINT of the environment', async () => {
    const dispatcher = LambdaDispatcher.fromEnv('gray-test-worker', {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'ASIAFROMENV',
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: 'env-session-token',
      GRAY_LAMBDA_ENDPOINT: lambda.url,
    });

    await dispatcher.dispatch({ kind: 'home', eventId: 'Ev0HOME', user: 'U0ALICE' });

    const [invoke] = latest();
    expect(invoke).toMatchObject({
      path: '/2015-03-31/functions/gray-test-worker/invocations',
      signatureValid: true,
    });
    expect(invoke!.headers.authorization).toContain('Credential=ASIAFROMENV/');
    expect(invoke!.headers['x-amz-security-token']).toBe('env-session-token');
    expect(JSON.parse(invoke!.body)).toEqual({ kind: 'home', eventId: 'Ev0HOME', user: 'U0ALICE' });
  });

  it('fails to start without credentials (ConfigError), before any request', () => {
    expect(() => LambdaDispatcher.fromEnv('gray-test-worker', { AWS_REGION: REGION })).toThrow(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set',
    );
  });
});
