// The three classic PATCH formats: JSON Patch (RFC 6902, all-or-nothing, error wording of the
// evanphx/json-patch library the API server uses), JSON merge patch (RFC 7386) and strategic merge patch.
import { cloneObject, isPlainObject, jsonEqual } from './resources.js';
import { badRequest, failureStatus, KubeStatusError } from './status.js';

/** The 422 the API server sends when a JSON Patch does not apply: the library's message is the one cause. */
function patchDoesNotApply(message: string): KubeStatusError {
  return new KubeStatusError(
    failureStatus(422, 'Invalid', 'the server rejected our request due to an error in our request', {
      causes: [{ reason: 'UnexpectedServerResponse', message }],
    }),
  );
}

function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) {
    throw badRequest(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
  }
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

/** Resolves the parent container of `segments`; undefined when some ancestor is missing. */
function parentOf(doc: { root: unknown }, segments: string[]): Container | undefined {
  let at: unknown = doc.root;
  for (const s of segments.slice(0, -1)) {
    if (Array.isArray(at)) at = at[Number(s)];
    else if (isPlainObject(at)) at = at[s];
    else return undefined;
  }
  return Array.isArray(at) || isPlainObject(at) ? at : undefined;
}

function getAt(doc: { root: unknown }, segments: string[]): { found: boolean; value?: unknown } {
  if (segments.length === 0) return { found: true, value: doc.root };
  const parent = parentOf(doc, segments);
  const last = segments[segments.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const i = Number(last);
    return /^\d+$/.test(last) && i < parent.length ? { found: true, value: parent[i] } : { found: false };
  }
  if (parent && Object.hasOwn(parent, last)) return { found: true, value: parent[last] };
  return { found: false };
}

function addAt(doc: { root: unknown }, segments: string[], value: unknown, path: string): void {
  if (segments.length === 0) {
    doc.root = value;
    return;
  }
  const parent = parentOf(doc, segments);
  const last = segments[segments.length - 1] ?? '';
  if (parent === undefined)
    throw patchDoesNotApply(`add operation does not apply: doc is missing path: "${path}": missing value`);
  if (!Array.isArray(parent)) {
    parent[last] = value;
    return;
  }
  const i = last === '-' ? parent.length : Number(last);
  if (!/^(\d+|-)$/.test(last) || i > parent.length) {
    throw patchDoesNotApply(`Unable to access invalid index: ${last}: invalid index referenced`);
  }
  parent.splice(i, 0, value);
}

function removeAt(doc: { root: unknown }, segments: string[], op: string, path: string): unknown {
  const got = getAt(doc, segments);
  if (!got.found || segments.length === 0) {
    throw patchDoesNotApply(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  const parent = parentOf(doc, segments) as Container;
  const last = segments[segments.length - 1] ?? '';
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return got.value;
}

/** Applies an RFC 6902 patch to a copy of `doc`; throws a 422 KubeStatusError when any op fails (doc untouched). */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const state = { root: cloneObject(doc) };
  for (const raw of patch) {
    if (!isPlainObject(raw))
      throw badRequest('json: cannot unmarshal into Go value of type jsonpatch.Operation');
    const path = String(raw.path);
    const segments = parsePointer(raw.path);
    switch (raw.op) {
      case 'add':
        addAt(state, segments, cloneObject(raw.value), path);
        break;
      case 'remove':
        removeAt(state, segments, 'remove', path);
        break;
      case 'replace':
        if (segments.length === 0) {
          state.root = cloneObject(raw.value);
          break;
        }
        if (!getAt(state, segments).found) {
          throw patchDoesNotApply(
            `replace operation does not apply: doc is missing key: ${path}: missing value`,
          );
        }
        removeAt(state, segments, 'replace', path);
        addAt(state, segments, cloneObject(raw.value), path);
        break;
      case 'move':
      case 'copy': {
        const from = parsePointer(raw.from);
        const got = getAt(state, from);
        if (!got.found) {
          throw patchDoesNotApply(
            `${raw.op} operation does not apply: doc is missing from path: ${String(raw.from)}: missing value`,
          );
        }
        if (raw.op === 'move') removeAt(state, from, 'move', String(raw.from));
        addAt(state, segments, cloneObject(got.value), path);
        break;
      }
      case 'test': {
        const got = getAt(state, segments);
        if (!got.found || !jsonEqual(got.value, raw.value)) {
          throw patchDoesNotApply(`testing value ${path} failed: test failed`);
        }
        break;
      }
      default:
        throw patchDoesNotApply(`Unexpected kind: ${String(raw.op)}`);
    }
  }
  return state.root;
}

/** Applies an RFC 7386 JSON merge patch: objects merge, `null` deletes, arrays and scalars replace. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneObject(patch);
  const result: Record<string, unknown> = isPlainObject(doc) ? cloneObject(doc) : {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete result[field];
    else result[field] = applyMergePatch(result[field], value);
  }
  return result;
}

/** patchMergeKey of the lists the built-in kinds merge by key (k8s.io/api struct tags), by field path. */
function mergeKeyFor(path: string): string | undefined {
  if (/(^|\.)(containers|initContainers|ephemeralContainers)\.ports$/.test(path)) return 'containerPort';
  if (path === 'spec.ports') return 'port';
  const last = path.split('.').pop() ?? '';
  const byField: Record<string, string> = {
    containers: 'name',
    initContainers: 'name',
    ephemeralContainers: 'name',
    volumes: 'name',
    env: 'name',
    imagePullSecrets: 'name',
    volumeMounts: 'mountPath',
    volumeDevices: 'devicePath',
    conditions: 'type',
    ownerReferences: 'uid',
    hostAliases: 'ip',
    topologySpreadConstraints: 'topologyKey',
  };
  return byField[last];
}

const PRIMITIVE_MERGE_LISTS = new Set(['metadata.finalizers']);

function mergeList(original: unknown[], patch: unknown[], path: string): unknown[] {
  if (patch.some((item) => isPlainObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isPlainObject(item) && item.$patch === 'replace')).map(stripDirectives);
  }
  if (PRIMITIVE_MERGE_LISTS.has(path)) return [...original, ...patch.filter((v) => !original.includes(v))];
  const mergeKey = mergeKeyFor(path);
  if (mergeKey === undefined) return patch.map(stripDirectives);
  const result = cloneObject(original);
  for (const item of patch) {
    if (!isPlainObject(item)) continue;
    const index = result.findIndex((o) => isPlainObject(o) && jsonEqual(o[mergeKey], item[mergeKey]));
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], item, path);
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => [k, stripDirectives(v)]),
  );
}

/**
 * Applies a strategic merge patch the way the built-in kinds do: maps merge, lists with a patchMergeKey
 * (containers by name, container ports by containerPort, Service ports by port, ...) merge by key, other
 * lists are replaced; `$patch: replace|delete` and `$deleteFromPrimitiveList/<field>` are honoured.
 */
export function strategicMerge(original: unknown, patch: unknown, path = ''): unknown {
  if (!isPlainObject(patch)) return cloneObject(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const result: Record<string, unknown> = isPlainObject(original) ? cloneObject(original) : {};
  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith('$deleteFromPrimitiveList/')) {
      const target = field.slice('$deleteFromPrimitiveList/'.length);
      const current = result[target];
      if (Array.isArray(current) && Array.isArray(value))
        result[target] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (field.startsWith('$')) continue;
    const childPath = path ? `${path}.${field}` : field;
    if (value === null || (isPlainObject(value) && value.$patch === 'delete')) delete result[field];
    else if (Array.isArray(value) && Array.isArray(result[field]))
      result[field] = mergeList(result[field] as unknown[], value, childPath);
    else if (isPlainObject(value)) result[field] = strategicMerge(result[field], value, childPath);
    else result[field] = stripDirectives(value);
  }
  return result;
}
