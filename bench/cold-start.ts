// Figure 2 (cold start): each function bundled with esbuild exactly as serverless.yml's
// serverless-esbuild settings say, imported in a fresh `node` process, against bundles of the bare
// libraries. Bundles go to a temporary folder whose node_modules links to the project's, so the
// excluded AWS SDK (the Lambda runtime provides it) resolves from node_modules for both sides.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Bundle, bundle, esbuildOptionsFromServerlessYml, ROOT } from './support/bundle.js';
import type { BenchSizes, FigureResult } from './support/figure.js';
import { median, ratio, round } from './support/stats.js';

const run = promisify(execFile);

// Runs in the fresh process: time to import the bundle, and time since the process started.
const IMPORT_SCRIPT = `
const { pathToFileURL } = await import('node:url');
const started = performance.now();
const module = await import(pathToFileURL(process.env.BENCH_BUNDLE).href);
const done = performance.now();
if (typeof module.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs: done - started, readyMs: done }));
`;

/** Imports `file` in a fresh node (the production NODE_OPTIONS, --enable-source-maps); returns its times in ms. */
async function importOnce(file: string): Promise<{ importMs: number; readyMs: number }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', BENCH_BUNDLE: file };
  const { stdout } = await run(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '--eval', IMPORT_SCRIPT],
    { env, cwd: join(file, '..'), timeout: 60_000 },
  );
  return JSON.parse(stdout) as { importMs: number; readyMs: number };
}

const ENTRIES = {
  slack: 'functions/slack.ts',
  worker: 'functions/worker.ts',
  sweeper: 'functions/sweeper.ts',
  bareBolt: 'bench/baselines/bare-bolt.ts',
  bareKubernetesDynamoDb: 'bench/baselines/bare-kubernetes-dynamodb.ts',
} as const;

type EntryName = keyof typeof ENTRIES;

/**
 * Measures figure 2: bundles the three functions and the two floors, then imports each in a fresh
 * node process `sizes.coldStartRuns` times (after `coldStartWarmup` unrecorded rounds), rotating the
 * order every round. Returns one figure per function. Removes its temporary folder.
 */
export async function measureColdStart(sizes: BenchSizes): Promise<FigureResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gray-bench-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const options = esbuildOptionsFromServerlessYml();
    const names = Object.keys(ENTRIES) as EntryName[];
    const bundles = {} as Record<EntryName, Bundle>;
    for (const name of names) bundles[name] = await bundle(options, dir, name, ENTRIES[name]);
    const samples = Object.fromEntries(names.map((n) => [n, [] as { importMs: number; readyMs: number }[]]));
    const rounds = sizes.coldStartWarmup + sizes.coldStartRuns;
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length] as EntryName;
        const times = await importOnce(bundles[name].file);
        if (r >= sizes.coldStartWarmup) samples[name]?.push(times);
      }
    }
    const stat = (name: EntryName) => {
      const runs = samples[name] ?? [];
      return {
        importMs: round(median(runs.map((s) => s.importMs)), 1),
        readyMs: round(median(runs.map((s) => s.readyMs)), 1),
        bytes: bundles[name].bytes,
        mapBytes: bundles[name].mapBytes,
        runs: runs.length,
        largestPackages: Object.fromEntries(bundles[name].packages.slice(0, 6)),
      };
    };
    const figure = (id: string, fn: EntryName, floor: EntryName, floorName: string): FigureResult => {
      const first = fn === 'slack';
      const gray = stat(fn);
      const base = stat(floor);
      const importRatio = ratio(gray.importMs, base.importMs);
      return {
        id,
        name: `Cold start: ${fn} function (${ENTRIES[fn]})`,
        value: gray,
        baseline: base,
        ratio: importRatio,
        ratios: {
          importMs: importRatio,
          readyMs: ratio(gray.readyMs, base.readyMs),
          bytes: ratio(gray.bytes, base.bytes),
        },
        target: '≤ 1.5× (median import time)',
        pass: importRatio <= 1.5,
        summary:
          `import ${gray.importMs} ms vs ${floorName} ${base.importMs} ms (×${importRatio}); ` +
          `${gray.bytes.toLocaleString('en-US')} B vs ${base.bytes.toLocaleString('en-US')} B`,
        how: first
          ? `\`${ENTRIES[fn]}\` and \`${ENTRIES[floor]}\` (${floorName}) bundled with esbuild using the options ` +
            "serverless-esbuild derives from serverless.yml's `custom.esbuild` (read from the file: bundle, ESM, " +
            'node22, `.mjs`, source maps without sources, the `createRequire` banner, `@aws-sdk/*` external), ' +
            'into a temporary folder whose `node_modules` links to the project one, so the external AWS SDK ' +
            `resolves from node_modules for both sides. Each bundle imported ${gray.runs} times (after ` +
            `${sizes.coldStartWarmup} unrecorded rounds) in a fresh \`node --enable-source-maps\` (the deployed ` +
            '`NODE_OPTIONS`) with a bare environment, the five bundles taking turns in a rotating order; the ' +
            'time is `await import(bundle)` measured inside the process (median), so node start-up itself, the ' +
            'same for both, is left out (process start → handler imported is `readyMs`). Sizes are the `.mjs` ' +
            'bytes (the source map apart, `mapBytes`).'
          : `As 2a, for \`${ENTRIES[fn]}\` against \`${ENTRIES[floor]}\` (${floorName}, its clients built on the ` +
            'first call as gray builds its own).',
        notes: importRatio > 1.5 ? coldStartNotes(fn, bundles[fn], bundles[floor]) : '',
      };
    };
    return [
      figure('2a-cold-start-slack', 'slack', 'bareBolt', 'bare Bolt'),
      figure(
        '2b-cold-start-worker',
        'worker',
        'bareKubernetesDynamoDb',
        'bare client-node + DynamoDB client',
      ),
      figure(
        '2c-cold-start-sweeper',
        'sweeper',
        'bareKubernetesDynamoDb',
        'bare client-node + DynamoDB client',
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/** Explains a slow import from the bundles' contents: what gray carries beyond the floor, by package. */
function coldStartNotes(fn: EntryName, gray: Bundle, floor: Bundle): string {
  const floorBytes = new Map(floor.packages);
  const extra = gray.packages
    .map(([name, bytes]) => [name, bytes - (floorBytes.get(name) ?? 0)] as const)
    .filter(([, bytes]) => bytes > 50_000)
    .slice(0, 7);
  const kube = gray.packages.find(([name]) => name === '@kubernetes/client-node')?.[1] ?? 0;
  const floorKube = floorBytes.get('@kubernetes/client-node') ?? 0;
  const lines = [
    `Beyond the floor, gray's bundle carries (output bytes, package − floor): ${extra
      .map(([name, bytes]) => `${name} +${mb(bytes)}`)
      .join(', ')}; the whole bundle is ${mb(gray.bytes)} vs ${mb(floor.bytes)}.`,
  ];
  if (fn === 'slack' && kube > 0) {
    lines.push(
      `The slack function never calls Kubernetes, yet it bundles @kubernetes/client-node (${mb(kube)}) and ` +
        'the Kubernetes/Istio schema models: `functions/slack.ts` imports `slack/runtime.ts`, which builds the ' +
        "worker's deps too (`createClusterResolver` from `wiring.ts`: one runtime serves the slack function, " +
        'the worker and the inline dispatcher) — a split of ' +
        "the runtime (or a dynamic import of the cluster side) would keep them out of the ack path's cold start.",
    );
  }
  if (fn !== 'slack' && kube > floorKube + 1_000_000) {
    lines.push(
      `@kubernetes/client-node is ${mb(kube)} in gray's bundle vs ${mb(floorKube)} in the floor's: gray imports ` +
        "more of it than the floor's `CustomObjectsApi` — a generated typed API such as `CoreV1Api` brings " +
        "client-node's model serializer for every core type (gray reads Services through " +
        '`functions/kubernetes/core-service-api.ts` to avoid that).',
    );
  }
  return lines.join(' ');
}
