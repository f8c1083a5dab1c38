// An HTTPS proxy in front of our Kubernetes API server that injects faults into a share of requests,
// chosen by a seeded PRNG: 500, 429 with Retry-After, 409 Conflict (writes), a connection reset before the
// request reaches the server or after the server applied it (the answer is lost), and a kube-apiserver
// timeout (504 after a delay, for writes sometimes after applying). Same TLS material as the server. No
// method + path gets more than three faults in a row.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getTlsMaterial } from '../../support/kube-api-server/tls.js';
import { prng } from './random.js';

/** The faults the proxy injects. */
export type ProxyFault =
  | '500'
  | '429'
  | '409'
  | 'reset-before'
  | 'reset-after-apply'
  | 'timeout'
  | 'timeout-after-apply';

/** One request that went through the proxy, and the fault it got, if any. */
export interface ProxiedRequest {
  method: string;
  path: string;
  fault?: ProxyFault;
}

/** A running proxy; `rate` (0–1) is the share of requests that get a fault (0 at start). */
export interface FaultProxy {
  url: string;
  rate: number;
  /** Gives the next request with this method whose path contains `pathIncludes` the fault (whatever `rate`). */
  forceNext(method: string, pathIncludes: string, fault: ProxyFault): void;
  readonly log: ProxiedRequest[];
  close(): Promise<void>;
}

// 409 only where kube-apiserver answers it to a request that changed nothing: PATCH/PUT (conflict).
const PATCH_FAULTS: ProxyFault[] = [
  '500',
  '429',
  '409',
  'reset-before',
  'reset-after-apply',
  'timeout',
  'timeout-after-apply',
];
const WRITE_FAULTS: ProxyFault[] = PATCH_FAULTS.filter((f) => f !== '409');
const READ_FAULTS: ProxyFault[] = ['500', '429', 'reset-before', 'timeout'];

/** Faults in a row one method + path can get (see the streak rule in the handler). */
const MAX_IN_A_ROW = 3;

function status(code: number, reason: string, message: string) {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

function answer(res: ServerResponse, fault: ProxyFault): void {
  if (fault === '500') {
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(status(500, 'InternalError', 'etcdserver: leader changed'));
  } else if (fault === '429') {
    res
      .writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' })
      .end(
        status(
          429,
          'TooManyRequests',
          'the server has received too many requests and has asked us to try again later',
        ),
      );
  } else if (fault === '409') {
    res
      .writeHead(409, { 'content-type': 'application/json' })
      .end(
        status(
          409,
          'Conflict',
          'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again',
        ),
      );
  } else {
    res
      .writeHead(504, { 'content-type': 'application/json' })
      .end(status(504, 'Timeout', 'Timeout: request did not complete within the allotted timeout'));
  }
}

/** Starts the proxy on 127.0.0.1 forwarding to `upstream` (https URL); faults are chosen from `seed`. */
export async function startFaultProxy(upstream: string, seed: number): Promise<FaultProxy> {
  const tls = await getTlsMaterial();
  const random = prng(seed);
  const agent = new Agent({ ca: tls.caPem, keepAlive: true });
  const target = new URL(upstream);
  const log: ProxiedRequest[] = [];
  const streaks = new Map<string, number>();
  const forced: { method: string; pathIncludes: string; fault: ProxyFault }[] = [];
  const proxy: FaultProxy = {
    url: '',
    rate: 0,
    log,
    forceNext: (method, pathIncludes, fault) => void forced.push({ method, pathIncludes, fault }),
    close: async () => undefined,
  };

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const upstreamRequest = request(
        {
          hostname: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      upstreamRequest.on('error', reject);
      upstreamRequest.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const entry: ProxiedRequest = { method, path: (req.url ?? '/').split('?')[0] ?? '/' };
    log.push(entry);
    const write = method !== 'GET';
    // PRNG drawn for every request so the fault pattern depends only on the seed and the order.
    const roll = random.next(10_000);
    const choice = random.pick(
      method === 'PATCH' || method === 'PUT' ? PATCH_FAULTS : write ? WRITE_FAULTS : READ_FAULTS,
    );
    // At most MAX_IN_A_ROW faults in a row on one method + path: the adapter retries a request 6 times and
    // re-plans an edit 5 times, so a failure the figure sees comes from gray, not from a 0.2^7 streak.
    const key = `${method} ${entry.path}`;
    const streak = streaks.get(key) ?? 0;
    if (roll < proxy.rate * 10_000 && streak < MAX_IN_A_ROW) entry.fault = choice;
    const force = forced.findIndex((f) => f.method === method && entry.path.includes(f.pathIncludes));
    if (force >= 0) entry.fault = forced.splice(force, 1)[0]!.fault;
    streaks.set(key, entry.fault ? streak + 1 : 0);
    const fault = entry.fault;
    if (fault === 'reset-before') {
      req.socket.destroy();
      return;
    }
    if (fault === 'timeout' || fault === 'timeout-after-apply') {
      if (fault === 'timeout-after-apply') await forward(req, body);
      await new Promise((resolve) => setTimeout(resolve, 25));
      answer(res, fault);
      return;
    }
    if (fault && fault !== 'reset-after-apply') {
      answer(res, fault);
      return;
    }
    const upstreamAnswer = await forward(req, body);
    if (fault === 'reset-after-apply') {
      req.socket.destroy();
      return;
    }
    const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...headers } = upstreamAnswer.headers;
    res.writeHead(upstreamAnswer.status, headers).end(upstreamAnswer.body);
  };

  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    agent.destroy();
    await closed;
  };
  return proxy;
}
