// kubeConfigFileSource when no kubeconfig exists: a clear ConfigError instead of client-node's made-up
// `loaded-context` (which turned a missing file into "kubeconfig has no context …; contexts: loaded-context").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeConfigFileSource } from '../../../functions/kubernetes/kubeconfig-source.js';

describe('kubeConfigFileSource', () => {
  it('says no kubeconfig exists when KUBECONFIG is unset and ~/.kube/config is missing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gray-home-'));
    const source = kubeConfigFileSource({ context: 'kind-istio', env: {}, home });

    await expect(source.load()).rejects.toThrow(
      `no kubeconfig found (KUBECONFIG is unset and ${join(home, '.kube', 'config')} does not exist); pass --kubeconfig <file> or set KUBECONFIG`,
    );
  });

  it('still names the missing context when a kubeconfig exists', async () => {
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: dev, context: {cluster: c, user: u}}]',
      'current-context: dev',
    ].join('\n');

    await expect(kubeConfigFileSource({ yaml, context: 'kind-istio' }).load()).rejects.toThrow(
      'kubeconfig has no context "kind-istio"; contexts: dev',
    );
  });

  it('names a --kubeconfig file that does not exist instead of failing later as an unreachable cluster', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gray-kc-')), 'missing');

    await expect(kubeConfigFileSource({ path }).load()).rejects.toMatchObject({
      code: 'config',
      message: `kubeconfig ${path} does not exist; pass --kubeconfig <file> with the path of an existing kubeconfig`,
    });
  });

  it('names the files KUBECONFIG lists that do not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gray-kc-'));
    const env = { KUBECONFIG: [join(dir, 'a'), join(dir, 'b')].join(delimiter) };

    await expect(kubeConfigFileSource({ env, home: dir }).load()).rejects.toThrow(
      `KUBECONFIG names ${join(dir, 'a')}, ${join(dir, 'b')}, which do not exist; set KUBECONFIG to an existing kubeconfig file or pass --kubeconfig <file>`,
    );
  });
});
