// The kinds this server serves, with the facts about each that the real API server's behaviour depends on.
import type { ResourceName } from './status.js';

/** Object metadata as stored and served (only the fields this server reads are typed). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Any Kubernetes object as JSON: typed metadata, everything else free-form. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [field: string]: unknown;
}

/** What the server knows about one served resource (plural) and how the real server treats it. */
export interface ResourceType extends ResourceName {
  singular: string;
  shortNames: string[];
  /** Served versions; the first is the preferred (storage) version. */
  versions: string[];
  /** Built-in kinds accept strategic merge patches and PUT without resourceVersion; CRDs do not. */
  builtin: boolean;
  subresources: Array<'status' | 'scale'>;
  /** Whether `metadata.generation` is kept (Services have none). */
  hasGeneration: boolean;
  /** DELETE answers with the deleted object (Services) instead of a Success Status. */
  deleteReturnsObject: boolean;
  /** The status a freshly created object starts with (undefined: no status field at all). */
  initialStatus: () => Record<string, unknown> | undefined;
}

/** The resources served: core/v1 services, apps/v1 deployments, Istio virtualservices and destinationrules. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    group: '',
    shortNames: ['svc'],
    versions: ['v1'],
    builtin: true,
    subresources: ['status'],
    hasGeneration: false,
    deleteReturnsObject: true,
    initialStatus: () => ({ loadBalancer: {} }),
  },
  {
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    group: 'apps',
    shortNames: ['deploy'],
    versions: ['v1'],
    builtin: true,
    subresources: ['status', 'scale'],
    hasGeneration: true,
    deleteReturnsObject: false,
    initialStatus: () => ({}),
  },
  {
    plural: 'virtualservices',
    singular: 'virtualservice',
    kind: 'VirtualService',
    group: 'networking.istio.io',
    shortNames: ['vs'],
    versions: ['v1', 'v1beta1'],
    builtin: false,
    subresources: ['status'],
    hasGeneration: true,
    deleteReturnsObject: false,
    initialStatus: () => undefined,
  },
  {
    plural: 'destinationrules',
    singular: 'destinationrule',
    kind: 'DestinationRule',
    group: 'networking.istio.io',
    shortNames: ['dr'],
    versions: ['v1', 'v1beta1'],
    builtin: false,
    subresources: ['status'],
    hasGeneration: true,
    deleteReturnsObject: false,
    initialStatus: () => undefined,
  },
];

/** `apps/v1`, or `v1` for the core group. */
export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Finds the resource served at `/api(s)/<group>/<version>/.../<plural>`, or undefined. */
export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
}

/** Looks a resource up by plural, singular, Kind or short name, case-insensitively; throws if unknown. */
export function resolveResourceType(nameOrKind: string): ResourceType {
  const wanted = nameOrKind.toLowerCase();
  const found = RESOURCE_TYPES.find(
    (r) =>
      r.plural === wanted ||
      r.singular === wanted ||
      r.kind.toLowerCase() === wanted ||
      r.shortNames.includes(wanted),
  );
  if (!found) throw new Error(`kube-api-server: unknown resource "${nameOrKind}"`);
  return found;
}

/** A deep copy through JSON (undefined fields vanish), the way objects travel between store and wire. */
export function cloneObject<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** True for a plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural JSON equality (object key order ignored), as apiequality.Semantic.DeepEqual sees JSON. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    return keysA.length === keysB.length && keysA.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
