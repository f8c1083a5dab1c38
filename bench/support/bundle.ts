// Bundling exactly as serverless.yml's serverless-esbuild settings say, with esbuild's metafile summed
// by package so the cold-start figure can say what the bytes are.
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { parse } from 'yaml';

/** The repository root (bench/support/..). */
export const ROOT = join(import.meta.dirname, '..', '..');

/** serverless-esbuild's own options, which it strips before calling esbuild (its bundle.js). */
const PLUGIN_ONLY_OPTIONS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

/**
 * esbuild options equal to what serverless-esbuild derives from serverless.yml's `custom.esbuild`:
 * its defaults (bundle, platform node, exclude aws-sdk) overridden by the file, plugin-only keys
 * removed, `exclude` appended to `external`, `outExtension` from `outputFileExtension`.
 */
export function esbuildOptionsFromServerlessYml(path = join(ROOT, 'serverless.yml')): BuildOptions {
  const yml = parse(readFileSync(path, 'utf8')) as { custom?: { esbuild?: Record<string, unknown> } };
  const custom = yml.custom?.esbuild;
  if (!custom) throw new Error('bench: serverless.yml has no custom.esbuild');
  const merged: Record<string, unknown> = {
    bundle: true,
    platform: 'node',
    external: [],
    exclude: ['aws-sdk'],
    outputFileExtension: '.js',
    ...custom,
  };
  const exclude = (merged.exclude as string[]).filter((name) => name !== '*');
  const extension = merged.outputFileExtension as string;
  const options = Object.fromEntries(
    Object.entries(merged).filter(([key]) => !PLUGIN_ONLY_OPTIONS.includes(key)),
  ) as BuildOptions;
  options.external = [...((merged.external as string[]) ?? []), ...exclude];
  if (extension !== '.js') options.outExtension = { '.js': extension };
  return options;
}

/** One built bundle: name, entry source, output file, sizes and bytes by package. */
export interface Bundle {
  name: string;
  entry: string;
  file: string;
  bytes: number;
  mapBytes: number;
  /** Bytes in the output by package (`functions` for gray's own code), largest first. */
  packages: [string, number][];
}

/** Sums an esbuild metafile's output bytes by npm package (scoped names kept whole). */
function bytesByPackage(metafile: Metafile): [string, number][] {
  const totals = new Map<string, number>();
  for (const [output, meta] of Object.entries(metafile.outputs)) {
    if (output.endsWith('.map')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
      const found = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      const key = found ?? (input.startsWith('functions/') ? 'functions' : input);
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** Bundles `entry` (relative to the root) into `<dir>/<name>/` with `options`; returns the file and its sizes. */
export async function bundle(
  options: BuildOptions,
  dir: string,
  name: string,
  entry: string,
): Promise<Bundle> {
  const outdir = join(dir, name);
  const result = await build({
    ...options,
    entryPoints: [join(ROOT, entry)],
    outdir,
    logLevel: 'error',
    metafile: true,
    absWorkingDir: ROOT,
  });
  const extension = (options.outExtension?.['.js'] as string | undefined) ?? '.js';
  const file = join(outdir, basename(entry).replace(/\.ts$/, extension));
  return {
    name,
    entry,
    file,
    bytes: statSync(file).size,
    mapBytes: statSync(`${file}.map`).size,
    packages: bytesByPackage(result.metafile),
  };
}
