/**
 * The MetricsSource port over Prometheus' HTTP API (GET /api/v1/query), reached by URL — a plain
 * Prometheus, or Amazon Managed Prometheus with SigV4-signed requests — or through the Kubernetes API
 * server's service proxy (kubernetes-proxy-transport.ts).
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { type SignedRequest, signedFetch } from '../aws/signed-fetch.js';
import { MetricsUnavailableError } from '../release/errors.js';
import type { MetricsSource } from '../release/ports.js';
import { readInstantValue } from './prometheus-response.js';

/** How requests reach one Prometheus. */
export interface PrometheusTransport {
  /** Where it goes, for messages: `http://127.0.0.1:9090`, `istio-system/prometheus:9090 via the API server`. */
  readonly label: string;
  /** GETs `path` (with its query string) under Prometheus' root; rejects on network errors and timeouts. */
  get(path: string): Promise<{ status: number; body: string }>;
}

/** Default per-request timeout, ms: an analysis asks ~8 queries at once each interval. */
export const PROMETHEUS_TIMEOUT_MS = 10_000;

/** The reason of a failed request in a few words: `ECONNREFUSED`, `timed out after 10000 ms`. */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  const err = error as {
    name?: string;
    code?: string;
    cause?: { code?: string; message?: string };
    message?: string;
  };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  return err.cause?.code ?? err.code ?? err.cause?.message ?? err.message ?? String(error);
}

/** AWS credentials or a provider of them (default: the SDK's default chain). */
export type SigningCredentials = SignedRequest['credentials'];

/** Options of UrlTransport. */
export interface UrlTransportOptions {
  /** SigV4-sign every request for service `aps` in this region (Amazon Managed Prometheus). */
  sigv4?: { region: string; credentials?: SigningCredentials };
  timeoutMs?: number;
}

/**
 * Prometheus at a URL (`http://prometheus:9090`, or an AMP workspace URL ending in `/workspaces/ws-…`),
 * with fetch; `sigv4` signs each GET (query string included) as SigV4 service `aps`.
 */
export class UrlTransport implements PrometheusTransport {
  readonly label: string;
  private readonly base: URL;
  private readonly sigv4?: { region: string; credentials: SigningCredentials };
  private readonly timeoutMs: number;

  /** `baseUrl` is Prometheus' root (its /api/v1/… paths are appended). */
  constructor(baseUrl: string, options: UrlTransportOptions = {}) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.label = baseUrl.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? PROMETHEUS_TIMEOUT_MS;
    if (options.sigv4) {
      this.sigv4 = {
        region: options.sigv4.region,
        credentials: options.sigv4.credentials ?? defaultProvider(),
      };
    }
  }

  /** One GET; signed when configured. */
  async get(path: string): Promise<{ status: number; body: string }> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const headers = { accept: 'application/json' };
    const response = this.sigv4
      ? await signedFetch({
          service: 'aps',
          region: this.sigv4.region,
          credentials: this.sigv4.credentials,
          url: url.toString(),
          method: 'GET',
          headers,
          timeoutMs: this.timeoutMs,
        })
      : await fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    return { status: response.status, body: await response.text() };
  }
}

/** MetricsSource over one Prometheus transport. */
export class PrometheusMetricsSource implements MetricsSource {
  /** `transport` reaches Prometheus (URL or API server proxy). */
  constructor(private readonly transport: PrometheusTransport) {}

  /**
   * GET /api/v1/query?query=…[&time=…]; without `atEpochSeconds` Prometheus evaluates at its own now.
   * Returns the one number (undefined for no data); throws MetricsUnavailableError naming the endpoint.
   */
  async query(promql: string, atEpochSeconds?: number): Promise<number | undefined> {
    const params = new URLSearchParams({ query: promql });
    if (atEpochSeconds !== undefined) params.set('time', String(atEpochSeconds));
    let answer: { status: number; body: string };
    try {
      answer = await this.transport.get(`/api/v1/query?${params.toString()}`);
    } catch (error) {
      if (error instanceof MetricsUnavailableError) throw error;
      throw new MetricsUnavailableError(
        `Prometheus at ${this.transport.label} is unreachable (${describeNetworkError(error, PROMETHEUS_TIMEOUT_MS)})`,
        { cause: error },
      );
    }
    return readInstantValue(answer.status, answer.body, this.transport.label);
  }
}
