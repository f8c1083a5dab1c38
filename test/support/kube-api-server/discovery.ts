// Discovery documents (/api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>, /version) for the
// served kinds. KubernetesObjectApi reads `/api(s)/<groupVersion>` to map a kind to its plural.
import { groupVersion, RESOURCE_TYPES, type ResourceType } from './resources.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'];

function groups(): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const rt of RESOURCE_TYPES) {
    if (rt.group === '') continue;
    const versions = byGroup.get(rt.group) ?? [];
    for (const v of rt.versions) if (!versions.includes(v)) versions.push(v);
    byGroup.set(rt.group, versions);
  }
  return byGroup;
}

function groupDocument(name: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

function resourceEntries(rt: ResourceType): Record<string, unknown>[] {
  const main = {
    name: rt.plural,
    singularName: rt.singular,
    namespaced: true,
    kind: rt.kind,
    verbs: VERBS,
    shortNames: rt.shortNames,
  };
  const subs = rt.subresources.map((sub) =>
    sub === 'scale'
      ? {
          name: `${rt.plural}/scale`,
          singularName: '',
          namespaced: true,
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch', 'update'],
        }
      : {
          name: `${rt.plural}/status`,
          singularName: '',
          namespaced: true,
          kind: rt.kind,
          verbs: ['get', 'patch', 'update'],
        },
  );
  return [main, ...subs];
}

/** The discovery body for a discovery path, or undefined when the path is not a discovery endpoint. */
export function discoveryDocument(segments: string[], serverAddress: string): unknown {
  const [root, group, version, ...rest] = segments;
  if (rest.length > 0) return undefined;
  if (root === 'version' && group === undefined) {
    return {
      major: '1',
      minor: '31',
      gitVersion: 'v1.31.0-gray-test',
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2024-08-13T00:00:00Z',
      goVersion: 'go1.22.5',
      compiler: 'gc',
      platform: 'linux/amd64',
    };
  }
  if (root === 'api') {
    if (group === undefined) {
      const serverAddressByClientCIDRs = [{ clientCIDR: '0.0.0.0/0', serverAddress }];
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs };
    }
    if (group === 'v1' && version === undefined) return resourceList('', 'v1', namespacesEntry());
    return undefined;
  }
  if (root !== 'apis') return undefined;
  const all = groups();
  if (group === undefined) {
    const list = [...all.entries()].map(([name, versions]) => groupDocument(name, versions));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
  }
  const versions = all.get(group);
  if (!versions) return undefined;
  if (version === undefined) return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group, versions) };
  return versions.includes(version) ? resourceList(group, version) : undefined;
}

function namespacesEntry(): Record<string, unknown> {
  return {
    name: 'namespaces',
    singularName: 'namespace',
    namespaced: false,
    kind: 'Namespace',
    verbs: ['get', 'list'],
    shortNames: ['ns'],
  };
}

function resourceList(
  group: string,
  version: string,
  ...extra: Record<string, unknown>[]
): Record<string, unknown> {
  const resources = RESOURCE_TYPES.filter(
    (rt) => rt.group === group && rt.versions.includes(version),
  ).flatMap(resourceEntries);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: [...extra, ...resources],
  };
}
