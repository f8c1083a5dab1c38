// DescribeCluster as gray sends it (a SigV4-signed GET, no SDK client), against a loopback EKS API
// that records each request as received and answers from a script: the signature is recomputed here
// with node:crypto, independently of @smithy/signature-v4; refusals, throttling, 5xx and network
// failures are answered or retried as the SDK's standard retry mode would.
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EksClusterAccess } from '../../../functions/kubernetes/eks-cluster-access.js';
import { describeEksCluster, EksApiError } from '../../../functions/kubernetes/eks-describe-cluster.js';
import { eksEndpointForRegion } from '../../../functions/kubernetes/eks-token.js';
import { ConfigError, type GrayError } from '../../../functions/release/errors.js';

const CREDENTIALS = {
  accessKeyId: 'ASIAEXAMPLE000000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+session',
};
const CLUSTER = {
  name: 'prod',
  status: 'ACTIVE',
  endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
  certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
  version: '1.31',
};

interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
}
interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** SigV4 signature (hex) of a received header-signed request with an empty body, from first principles. */
function expectedSignature(request: Received, secretAccessKey: string): string {
  const authorization = request.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1] ?? '';
  const scope = /Credential=[^/]+\/([^,]+)/.exec(authorization)?.[1] ?? '';
  const [date = '', region = '', service = '', terminator = ''] = scope.split('/');
  const canonicalRequest = [
    request.method,
    request.path,
    '',
    ...signedHeaders.split(';').map((name) => `${name}:${(request.headers[name] ?? '').trim()}`),
    '',
    signedHeaders,
    request.headers['x-amz-content-sha256'] ?? createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    request.headers['x-amz-date'],
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), terminator);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('describeEksCluster', () => {
  let server: Server;
  let endpoint: string;
  let received: Received[];
  let script: Answer[];
  let slept: number[];
  const describeProd = (maxAttempts?: number) =>
    describeEksCluster({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      endpoint,
      ...(maxAttempts ? { maxAttempts } : {}),
      sleep: async (ms) => {
        slept.push(ms);
      },
    });

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers as Record<string, string>,
      });
      const answer = script.shift() ?? { status: 200, body: { cluster: CLUSTER } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  beforeEach(() => {
    received = [];
    script = [];
    slept = [];
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('GETs /clusters/<name> signed for eks in the region with the session token, and returns the cluster', async () => {
    const cluster = await describeProd();

    expect(cluster).toEqual(CLUSTER);
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect([request.method, request.path]).toEqual(['GET', '/clusters/prod']);
    expect(request.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE000000001\/\d{8}\/eu-west-1\/eks\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    const signature = /Signature=([0-9a-f]+)/.exec(request.headers.authorization ?? '')?.[1];
    expect(signature).toBe(expectedSignature(request, CREDENTIALS.secretAccessKey));
  });

  it('answers a missing cluster with ResourceNotFoundException at once, without retrying', async () => {
    script = [
      {
        status: 404,
        body: { message: 'No cluster found for name: prod.' },
        headers: { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/coral/' },
      },
    ];

    const error = await describeProd().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EksApiError);
    expect((error as EksApiError).name).toBe('ResourceNotFoundException');
    expect((error as EksApiError).status).toBe(404);
    expect((error as Error).message).toBe('ResourceNotFoundException: No cluster found for name: prod.');
    expect(received).toHaveLength(1);
  });

  it('reads the error type from the body when the header is missing', async () => {
    script = [{ status: 403, body: { __type: 'com.amazonaws.eks#AccessDeniedException', Message: 'no' } }];

    const error = await describeProd().catch((e: unknown) => e);

    expect((error as EksApiError).name).toBe('AccessDeniedException');
    expect((error as Error).message).toBe('AccessDeniedException: no');
  });

  it('retries throttling and 5xx, then returns the cluster (3 attempts, backoff in between)', async () => {
    // Full jitter: random × min(20 s, 100 ms × 2^attempt); a fixed draw of 0.5 makes it 100 ms, then 200 ms.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    script = [
      {
        status: 400,
        body: { message: 'Rate exceeded' },
        headers: { 'x-amzn-errortype': 'ThrottlingException' },
      },
      {
        status: 503,
        body: { message: 'unavailable' },
        headers: { 'x-amzn-errortype': 'ServiceUnavailableException' },
      },
    ];

    const cluster = await describeProd();

    expect(cluster.endpoint).toBe(CLUSTER.endpoint);
    expect(received).toHaveLength(3);
    expect(slept).toEqual([100, 200]);
  });

  it('gives up after the last attempt with the last error', async () => {
    script = [500, 500, 500].map((status) => ({ status, body: { message: 'boom' } }));

    const error = await describeProd().catch((e: unknown) => e);

    expect((error as EksApiError).name).toBe('HTTP500');
    expect((error as EksApiError).status).toBe(500);
    expect(received).toHaveLength(3);
  });

  it('names the network failure after retrying it', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');

    const error = await describeEksCluster({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      endpoint: `http://127.0.0.1:${port}`,
      sleep: async (ms) => {
        slept.push(ms);
      },
    }).catch((e: unknown) => e);

    expect((error as Error).message).toMatch(/^fetch failed: .*ECONNREFUSED/);
    expect(slept).toHaveLength(2);
  });

  it('refuses a malformed region before sending anything', async () => {
    const error = await describeEksCluster({
      clusterName: 'prod',
      region: 'Europe',
      credentials: CREDENTIALS,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect(received).toHaveLength(0);
  });

  it('tells EksClusterAccess users to grant eks:DescribeCluster when it is denied', async () => {
    script = [
      { status: 403, body: { message: 'denied' }, headers: { 'x-amzn-errortype': 'AccessDeniedException' } },
    ];
    const access = new EksClusterAccess({ credentials: async () => CREDENTIALS, eksEndpoint: endpoint });

    const error = await access.getConnection('prod', 'eu-west-1').catch((e: unknown) => e);

    expect((error as GrayError).code).toBe('eks_access_denied');
    expect((error as Error).message).toBe(
      "eks: DescribeCluster on EKS cluster prod (eu-west-1) was denied; grant eks:DescribeCluster on it to gray's role",
    );
  });
});

describe('eksEndpointForRegion', () => {
  it.each([
    ['eu-west-1', 'https://eks.eu-west-1.amazonaws.com'],
    ['cn-north-1', 'https://eks.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', 'https://eks.us-gov-west-1.amazonaws.com'],
    ['us-iso-east-1', 'https://eks.us-iso-east-1.c2s.ic.gov'],
  ])('maps %s to %s', (region, url) => {
    expect(eksEndpointForRegion(region)).toBe(url);
  });
});
