// A loopback AWS Lambda Invoke endpoint (node:http on 127.0.0.1) standing in for the worker function the
// Slack function hands jobs to: point GRAY_LAMBDA_ENDPOINT (or LambdaDispatcher's `endpoint`) at `url`.
// It records every request as received and checks its SigV4 signature by signing the same request again
// with the known secret key. No vitest imports.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** One Invoke as received. */
export interface ReceivedInvoke {
  method: string;
  /** The request path as sent (percent-encoded). */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  /** True when Authorization is the SigV4 signature of exactly this request with the server's secret key. */
  signatureValid: boolean;
}

/** A running loopback Lambda. */
export interface WorkerLambdaServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request, oldest first. */
  invokes(): ReceivedInvoke[];
  /** Answers the next `n` requests with `status` and Lambda's error type header (default: 202 for all). */
  failNext(n: number, status: number, errorType: string): void;
  close(): Promise<void>;
}

/** Starts the server; requests signed with `secretAccessKey` for `region`/`lambda` verify. */
export async function startWorkerLambda(options: {
  region: string;
  secretAccessKey: string;
}): Promise<WorkerLambdaServer> {
  const received: ReceivedInvoke[] = [];
  const failures: { status: number; errorType: string }[] = [];

  async function verify(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<boolean> {
    const authorization = headers.authorization ?? '';
    const credential = /Credential=([^/]+)\//.exec(authorization)?.[1];
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const date = headers['x-amz-date'];
    if (!credential || !date) return false;
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: credential,
        secretAccessKey: options.secretAccessKey,
        ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}),
      },
      region: options.region,
      service: 'lambda',
      sha256: Sha256,
    });
    const [, y, mo, d, h, mi, s] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(date) ?? [];
    const again = await signer.sign(
      new HttpRequest({
        method,
        hostname: '127.0.0.1',
        path,
        headers: Object.fromEntries(signedHeaders.map((name) => [name, headers[name] ?? ''])),
        body,
      }),
      { signingDate: new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`) },
    );
    return again.headers.authorization === authorization;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [name, String(value)]),
      );
      const method = req.method ?? '';
      const path = req.url ?? '';
      received.push({
        method,
        path,
        headers,
        body,
        signatureValid: await verify(method, path, headers, body),
      });
      const failure = failures.shift();
      if (failure) {
        res.writeHead(failure.status, {
          'content-type': 'application/json',
          'x-amzn-errortype': `${failure.errorType}:http://internal.amazon.com/coral/com.amazonaws.awslambda/`,
        });
        res.end(JSON.stringify({ Type: 'User', message: `${failure.errorType} (loopback)` }));
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('');
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invokes: () => received.map((invoke) => ({ ...invoke, headers: { ...invoke.headers } })),
    failNext: (n, status, errorType) => {
      for (let i = 0; i < n; i++) failures.push({ status, errorType });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
