// The HTTPS front: reads the request, logs it, applies injected faults, authenticates the bearer token,
// routes, and writes JSON (or a Status) back, like kube-apiserver's handler chain.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, FaultInjector } from './faults.js';
import type { ApiRequest } from './handlers.js';
import type { Registry } from './registry.js';
import { parseResourcePath, routeRequest } from './routes.js';
import { handleServiceProxy, type ServiceEndpoints } from './service-proxy.js';
import {
  conflict,
  failureStatus,
  internalError,
  KubeStatusError,
  tooManyRequests,
  unauthorized,
} from './status.js';

/** One request as recorded in the server's log. */
export interface RequestLogEntry {
  method: string;
  /** The path without the query string, e.g. `/apis/apps/v1/namespaces/happyride/deployments/x`. */
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** The body parsed as JSON when it is JSON, else the raw text; undefined when empty. */
  body: unknown;
  /** HTTP status sent; 0 when the connection was reset by an injected fault. */
  status: number;
  /** Kubernetes verb (get, list, create, update, patch, delete) for resource paths. */
  verb?: string;
  /** Resource (plural, with `/scale` or `/status` for subresources) for resource paths. */
  resource?: string;
}

/** One authentication decision: the bearer token presented (undefined: none) and whether it was accepted. */
export interface AuthLogEntry {
  path: string;
  token: string | undefined;
  accepted: boolean;
}

/** Everything the front needs; `authenticate` is read per request so tests can swap it. */
export interface FrontContext {
  registry: Registry;
  faults: FaultInjector;
  requests: RequestLogEntry[];
  authLog: AuthLogEntry[];
  authenticate: (token: string) => boolean;
  serverAddress: () => string;
  delayTimers: Set<NodeJS.Timeout>;
  /** Where the service proxy forwards, per Service port (tests register them). */
  serviceEndpoints: ServiceEndpoints;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

function classify(method: string, path: string): { verb?: string; resource?: string } {
  const route = parseResourcePath(path.split('/').filter((s) => s !== ''));
  if (!route) return {};
  const resource = route.subresource ? `${route.rt.plural}/${route.subresource}` : route.rt.plural;
  const byMethod: Record<string, string> = {
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: 'delete',
  };
  const verb =
    method === 'GET'
      ? route.name === undefined
        ? 'list'
        : 'get'
      : (byMethod[method] ?? method.toLowerCase());
  return { verb, resource };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Audit-Id': randomUUID(),
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1]?.trim();
}

function faultError(fault: Fault, path: string): KubeStatusError | undefined {
  if (!('status' in fault)) return undefined;
  if (fault.status === 429) return tooManyRequests(fault.retryAfterSeconds);
  if (fault.status === 500) return internalError('injected fault');
  const route = parseResourcePath(path.split('/').filter((s) => s !== ''));
  return route
    ? conflict(route.rt, route.name ?? '')
    : new KubeStatusError(failureStatus(409, 'Conflict', 'injected conflict'));
}

/** Handles one HTTP request end to end; never throws (errors become Status responses). */
export async function handleHttp(
  ctx: FrontContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const rawBody = await readBody(req).catch(() => '');
  const contentType = req.headers['content-type'];
  const entry: RequestLogEntry = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    contentType,
    body: parseForLog(rawBody),
    status: 0,
    ...classify(method, url.pathname),
  };
  ctx.requests.push(entry);
  const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
    entry.status = status;
    send(res, status, body, headers);
  };
  try {
    if (rawBody === undefined) {
      throw new KubeStatusError(
        failureStatus(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
      );
    }
    if (!PUBLIC_PATHS.has(url.pathname)) {
      const token = bearerToken(req);
      const accepted = token !== undefined && ctx.authenticate(token);
      ctx.authLog.push({ path: url.pathname, token, accepted });
      if (!accepted) throw unauthorized();
    }
    const fault = ctx.faults.take(method, url.pathname);
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'delayMs' in fault) await delay(ctx, fault.delayMs);
    if (fault && 'hold' in fault) await fault.hold.catch(() => undefined);
    const injected = fault ? faultError(fault, url.pathname) : undefined;
    if (injected) throw injected;
    if (PUBLIC_PATHS.has(url.pathname) && url.pathname !== '/version') {
      entry.status = 200;
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const proxied = await handleServiceProxy(ctx.registry, ctx.serviceEndpoints, method, url, res);
    if (proxied !== undefined) {
      entry.status = proxied;
      return;
    }
    const apiRequest: ApiRequest = {
      method,
      query: url.searchParams,
      contentType: contentType ?? '',
      rawBody,
    };
    const response = routeRequest(ctx.registry, url.pathname, apiRequest, ctx.serverAddress());
    reply(response.status, response.body);
  } catch (error) {
    const statusError =
      error instanceof KubeStatusError ? error : internalError(String((error as Error)?.message ?? error));
    reply(statusError.status.code ?? 500, statusError.status, statusError.headers);
  }
}

function parseForLog(raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function delay(ctx: FrontContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ctx.delayTimers.delete(timer);
      resolve();
    }, ms);
    ctx.delayTimers.add(timer);
  });
}
