// Starts a real Prometheus (Debian's `prometheus` package, /usr/bin/prometheus) as a child process on a
// free loopback port, with its TSDB in a temp dir and a 1 s scrape interval, scraping the given
// targets. One per test file; `stop()` kills it and removes the dir. No vitest imports.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './dynamodb-local.js';

/** Where Debian's package puts the server. */
export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

/** A running Prometheus: `url` is `http://127.0.0.1:<port>`. */
export interface LocalPrometheus {
  url: string;
  port: number;
  /** Milliseconds from spawn to /-/ready answering 200. */
  startMs: number;
  /** Resolves once every target was scraped successfully at least `times` times (polls /api/v1/targets). */
  waitForScrapes(times: number, timeoutMs?: number): Promise<void>;
  /** Kills the process (SIGTERM, then SIGKILL after 5 s) and removes its data; idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts Prometheus scraping `targets` (host:port, path /metrics) every `scrapeSeconds` (default 1).
 * Throws with the install command when the binary is missing, or with its output when it exits or is
 * not ready within 20 s.
 */
export async function startPrometheus(targets: string[], scrapeSeconds = 1): Promise<LocalPrometheus> {
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(`Prometheus is not installed at ${PROMETHEUS_BINARY}: apt-get install -y prometheus`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'gray-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      `  scrape_interval: ${scrapeSeconds}s`,
      `  scrape_timeout: ${scrapeSeconds}s`,
      `  evaluation_interval: ${scrapeSeconds}s`,
      'scrape_configs:',
      '  - job_name: istio',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await findFreePort();
  const started = performance.now();
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`Prometheus exited during start-up: ${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus was not ready within 20 s: ${output}`);
    }
    await sleep(100);
  }
  const startMs = Math.round(performance.now() - started);
  return {
    url,
    port,
    startMs,
    stop,
    async waitForScrapes(times, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      // Each target's up series counts its successful scrapes.
      const query = `min(count_over_time(up{job="istio"}[1h]))`;
      for (;;) {
        const body = (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`).then((r) =>
          r.json(),
        )) as {
          data?: { result?: { value: [number, string] }[] };
        };
        const count = Number(body.data?.result?.[0]?.value[1] ?? 0);
        if (count >= times) return;
        if (Date.now() > until)
          throw new Error(`Prometheus scraped ${count} times, not ${times}, within ${timeoutMs} ms`);
        await sleep(200);
      }
    },
  };
}
