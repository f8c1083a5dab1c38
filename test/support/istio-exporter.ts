// A loopback Prometheus exporter (node:http on 127.0.0.1) serving Istio-shaped series for the canary
// tests: `istio_requests_total` and `istio_request_duration_milliseconds` (a histogram with Istio's
// default buckets) per destination workload, reported by the destination, with a request rate, an error
// rate and a latency set per workload. Counters grow with real time at every scrape. No vitest imports.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Traffic of one workload: requests per second, the share answered 503 (0–1), the latency of each, ms. */
export interface TrafficProfile {
  rps: number;
  errorRate?: number;
  latencyMs?: number;
}

/** Istio's default duration buckets, milliseconds (istio.io, "Istio Standard Metrics"). */
export const ISTIO_BUCKETS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

interface WorkloadSeries {
  namespace: string;
  profile: Required<TrafficProfile>;
  ok: number;
  errors: number;
  buckets: number[];
  count: number;
  sum: number;
  lastAt: number;
}

/** A running exporter: `target` is `127.0.0.1:<port>` for a scrape config. */
export interface IstioExporter {
  target: string;
  /** Sets (or changes from now on) a workload's traffic; counters keep what they counted so far. */
  set(workload: string, profile: TrafficProfile, namespace?: string): void;
  /** Scrapes served so far. */
  scrapes(): number;
  close(): Promise<void>;
}

/**
 * p99 Prometheus computes for a workload whose requests all take `latencyMs`: histogram_quantile
 * interpolates linearly inside the bucket holding them, lower + (upper − lower) × 0.99.
 */
export function expectedP99(latencyMs: number): number {
  const upper = ISTIO_BUCKETS.findIndex((le) => latencyMs <= le);
  const lower = upper > 0 ? ISTIO_BUCKETS[upper - 1]! : 0;
  return lower + (ISTIO_BUCKETS[upper]! - lower) * 0.99;
}

function advance(series: WorkloadSeries, now: number): void {
  const seconds = (now - series.lastAt) / 1000;
  series.lastAt = now;
  const requests = series.profile.rps * seconds;
  const errors = requests * series.profile.errorRate;
  series.errors += errors;
  series.ok += requests - errors;
  series.count += requests;
  series.sum += requests * series.profile.latencyMs;
  ISTIO_BUCKETS.forEach((le, i) => {
    if (series.profile.latencyMs <= le) series.buckets[i]! += requests;
  });
}

function render(workloads: Map<string, WorkloadSeries>): string {
  const lines = [
    '# HELP istio_requests_total Requests by destination workload and response code.',
    '# TYPE istio_requests_total counter',
  ];
  const labels = (workload: string, s: WorkloadSeries) =>
    `reporter="destination",destination_workload="${workload}",destination_workload_namespace="${s.namespace}"`;
  for (const [workload, s] of workloads) {
    lines.push(`istio_requests_total{${labels(workload, s)},response_code="200"} ${s.ok}`);
    lines.push(`istio_requests_total{${labels(workload, s)},response_code="503"} ${s.errors}`);
  }
  lines.push(
    '# HELP istio_request_duration_milliseconds Request duration.',
    '# TYPE istio_request_duration_milliseconds histogram',
  );
  for (const [workload, s] of workloads) {
    ISTIO_BUCKETS.forEach((le, i) => {
      lines.push(
        `istio_request_duration_milliseconds_bucket{${labels(workload, s)},le="${le}"} ${s.buckets[i]}`,
      );
    });
    lines.push(`istio_request_duration_milliseconds_bucket{${labels(workload, s)},le="+Inf"} ${s.count}`);
    lines.push(`istio_request_duration_milliseconds_sum{${labels(workload, s)}} ${s.sum}`);
    lines.push(`istio_request_duration_milliseconds_count{${labels(workload, s)}} ${s.count}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Starts the exporter on a free loopback port (GET /metrics, Prometheus text format 0.0.4). */
export async function startIstioExporter(): Promise<IstioExporter> {
  const workloads = new Map<string, WorkloadSeries>();
  let scrapes = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes++;
    const now = Date.now();
    for (const series of workloads.values()) advance(series, now);
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(render(workloads));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    set(workload, profile, namespace = 'happyride') {
      const now = Date.now();
      const existing = workloads.get(workload);
      if (existing) advance(existing, now);
      const full = {
        rps: profile.rps,
        errorRate: profile.errorRate ?? 0,
        latencyMs: profile.latencyMs ?? 40,
      };
      workloads.set(
        workload,
        existing
          ? { ...existing, profile: full, namespace }
          : {
              namespace,
              profile: full,
              ok: 0,
              errors: 0,
              buckets: ISTIO_BUCKETS.map(() => 0),
              count: 0,
              sum: 0,
              lastAt: now,
            },
      );
    },
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
