/**
 * Which kubeconfig files gray reads, decided from the file system alone (no client-node), so the CLI can
 * check them before an operation takes its lock: `--kubeconfig <file>`, else the files $KUBECONFIG lists
 * that exist (missing ones are skipped, as kubectl does), else ~/.kube/config.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../release/errors.js';

/** The kubeconfig files to load in order, or `in-cluster` (service account) with none. */
export type KubeconfigFiles = { files: string[] } | { inCluster: true };

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/**
 * Resolves the kubeconfig files: `path` (must be a file), else $KUBECONFIG's existing entries (empty
 * entries ignored; at least one must exist), else ~/.kube/config, else in-cluster when
 * KUBERNETES_SERVICE_HOST is set. Throws ConfigError naming what is missing and what to pass instead.
 */
export function resolveKubeconfigFiles(
  options: { path?: string; env?: Record<string, string | undefined>; home?: string } = {},
): KubeconfigFiles {
  if (options.path !== undefined) {
    if (!isFile(options.path)) {
      throw new ConfigError(
        `kubeconfig ${options.path} ${existsSync(options.path) ? 'is not a file' : 'does not exist'}; pass --kubeconfig <file> with the path of an existing kubeconfig`,
      );
    }
    return { files: [options.path] };
  }
  const env = options.env ?? process.env;
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) {
    const files = listed.filter(isFile);
    if (files.length === 0) {
      throw new ConfigError(
        `KUBECONFIG names ${listed.join(', ')}, and none of ${listed.length === 1 ? 'it' : 'them'} is an existing file; set KUBECONFIG to an existing kubeconfig or pass --kubeconfig <file>`,
      );
    }
    return { files };
  }
  const home = join(options.home ?? homedir(), '.kube', 'config');
  if (isFile(home)) return { files: [home] };
  // Without any kubeconfig client-node falls back to a made-up `loaded-context` config; outside a
  // cluster that only hides the real problem.
  if (env.KUBERNETES_SERVICE_HOST !== undefined) return { inCluster: true };
  throw new ConfigError(
    `no kubeconfig found (KUBECONFIG is unset and ${home} does not exist); pass --kubeconfig <file> or set KUBECONFIG`,
  );
}
