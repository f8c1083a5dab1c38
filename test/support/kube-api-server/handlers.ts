// The verbs on a resource path: get, list, create, update (PUT), patch (PATCH) and delete.
import { parse as parseYaml } from 'yaml';
import { applyJsonPatch, applyMergePatch, strategicMerge } from './patch.js';
import { presentObject, type Registry } from './registry.js';
import { cloneObject, groupVersion, isPlainObject, type KubeObject, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, conflict, invalid, unsupportedMediaType } from './status.js';

/** One HTTP request as the handlers see it (body still raw). */
export interface ApiRequest {
  method: string;
  query: URLSearchParams;
  contentType: string;
  rawBody: string;
}

/** A resource path: `/api(s)/<gv>/namespaces/<ns>/<plural>[/<name>[/<subresource>]]` (or all namespaces). */
export interface ResourceRoute {
  rt: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The patch media types, in the order the 415 message lists them. */
export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
  strategic: 'application/strategic-merge-patch+json',
} as const;

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Parses a JSON (or, for YAML media types, YAML) body; throws 400 BadRequest when it does not parse. */
export function parseBody(req: ApiRequest): unknown {
  const type = mediaType(req.contentType);
  try {
    return type.endsWith('yaml') ? parseYaml(req.rawBody) : JSON.parse(req.rawBody);
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

/** `dryRun=All` in the query. */
export function isDryRun(req: ApiRequest): boolean {
  return req.query.getAll('dryRun').includes('All');
}

/** GET one object, served at the path's version. */
export function getObject(registry: Registry, route: ResourceRoute, name: string): KubeObject {
  return presentObject(route.rt, route.version, registry.getOrThrow(route.rt, route.namespace ?? '', name));
}

/** GET a collection: `<Kind>List` filtered by labelSelector / fieldSelector, with limit/continue paging. */
export function listObjects(
  registry: Registry,
  route: ResourceRoute,
  req: ApiRequest,
): Record<string, unknown> {
  const { rt, version } = route;
  const labelSelector = req.query.get('labelSelector');
  const fieldSelector = req.query.get('fieldSelector');
  const labelMatch = labelSelector ? parseLabelSelector(labelSelector) : () => true;
  const fieldMatch = fieldSelector ? parseFieldSelector(fieldSelector) : () => true;
  let items = registry.store
    .list(rt, route.namespace)
    .filter((obj) => labelMatch(obj.metadata.labels ?? {}) && fieldMatch(obj))
    .map((obj) => presentObject(rt, version, obj));
  // Typed lists of built-in kinds carry no per-item apiVersion/kind; custom resource lists do.
  if (rt.builtin) items = items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest as KubeObject);
  const metadata: Record<string, unknown> = { resourceVersion: registry.store.currentResourceVersion() };
  const offset = Number(Buffer.from(req.query.get('continue') ?? '', 'base64url').toString() || '0');
  const limit = Number(req.query.get('limit') ?? '0');
  if (offset > 0) items = items.slice(offset);
  if (limit > 0 && items.length > limit) {
    metadata.continue = Buffer.from(String(offset + limit)).toString('base64url');
    // With a selector the real server cannot know the remaining count and leaves it out.
    if (!labelSelector && !fieldSelector) metadata.remainingItemCount = items.length - limit;
    items = items.slice(0, limit);
  }
  return { apiVersion: groupVersion(rt.group, version), kind: `${rt.kind}List`, metadata, items };
}

/** POST: 201 with the created object. */
export function createObject(registry: Registry, route: ResourceRoute, req: ApiRequest): KubeObject {
  const created = registry.create(route.rt, route.version, route.namespace ?? '', parseBody(req), {
    dryRun: isDryRun(req),
  });
  return presentObject(route.rt, route.version, created);
}

/** Checks a full object body for PUT or a patch result against the URL: kind, version, namespace, name. */
export function checkObjectForUpdate(
  registry: Registry,
  route: ResourceRoute,
  name: string,
  body: unknown,
): KubeObject {
  const obj = registry.checkTypeMeta(route.rt, route.version, body, route.namespace ?? '');
  if (obj.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`,
    );
  }
  return obj;
}

/** PUT: replaces the object (status untouched); 409 on a stale resourceVersion. */
export function replaceObject(
  registry: Registry,
  route: ResourceRoute,
  name: string,
  req: ApiRequest,
): KubeObject {
  const candidate = checkObjectForUpdate(registry, route, name, parseBody(req));
  const updated = registry.update(route.rt, route.version, route.namespace ?? '', name, candidate, {
    dryRun: isDryRun(req),
  });
  return presentObject(route.rt, route.version, updated);
}

/**
 * Applies the request's patch (by Content-Type) to `view`, the object as the client sees it. Throws 415 for
 * strategic merge on a custom resource or an unknown type, 400 for a malformed body, 422 for a failed JSON Patch,
 * 409 when the patch carries a stale `metadata.resourceVersion`.
 */
export function patchView(rt: ResourceType, view: KubeObject, req: ApiRequest): KubeObject {
  const type = mediaType(req.contentType);
  const accepted: string[] = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply];
  if (rt.builtin) accepted.push(PATCH_TYPES.strategic);
  if (!accepted.includes(type)) throw unsupportedMediaType(accepted);
  const patch = parseBody(req);
  let patched: unknown;
  if (type === PATCH_TYPES.json) patched = applyJsonPatch(view, patch);
  else if (type === PATCH_TYPES.merge) patched = applyMergePatch(view, patch);
  else if (type === PATCH_TYPES.strategic || (type === PATCH_TYPES.apply && rt.builtin))
    patched = strategicMerge(view, patch);
  else patched = applyMergePatch(view, patch);
  if (!isPlainObject(patched)) throw badRequest('the patch did not produce an object');
  const result = patched as KubeObject;
  if (!isPlainObject(result.metadata)) result.metadata = {};
  const rv = result.metadata.resourceVersion;
  if (rv !== undefined && rv !== view.metadata.resourceVersion) throw conflict(rt, view.metadata.name ?? '');
  // The update below must not be conditional on the client's view: it is applied to the current object.
  result.metadata.resourceVersion = view.metadata.resourceVersion;
  return result;
}

/** Server-side apply needs a field manager (422 otherwise), as the real server requires. */
export function requireFieldManager(req: ApiRequest): void {
  if (mediaType(req.contentType) !== PATCH_TYPES.apply || req.query.get('fieldManager')) return;
  const resource = { plural: 'patchoptions', group: 'meta.k8s.io', kind: 'PatchOptions' };
  throw invalid(resource, '', [
    {
      reason: 'FieldValueRequired',
      field: 'fieldManager',
      message: 'Required value: is required for apply patch',
    },
  ]);
}

/**
 * PATCH: json-patch, merge-patch, strategic-merge-patch (built-ins only) or apply-patch+yaml (simplified
 * server-side apply: creates when missing, otherwise merges like strategic/merge patch; no field ownership).
 */
export function patchObject(
  registry: Registry,
  route: ResourceRoute,
  name: string,
  req: ApiRequest,
): { status: number; body: KubeObject } {
  const { rt, version } = route;
  const namespace = route.namespace ?? '';
  requireFieldManager(req);
  const current = registry.store.get(rt, namespace, name);
  if (!current && mediaType(req.contentType) === PATCH_TYPES.apply) {
    const applied = checkObjectForUpdate(registry, route, name, parseBody(req));
    const created = registry.create(rt, version, namespace, applied, { dryRun: isDryRun(req) });
    return { status: 201, body: presentObject(rt, version, created) };
  }
  const view = getObject(registry, route, name);
  const candidate = checkObjectForUpdate(registry, route, name, patchView(rt, cloneObject(view), req));
  const updated = registry.update(rt, version, namespace, name, candidate, { dryRun: isDryRun(req) });
  return { status: 200, body: presentObject(rt, version, updated) };
}

/** DELETE: Success Status (deployments, custom objects) or the deleted object (services). */
export function deleteObject(
  registry: Registry,
  route: ResourceRoute,
  name: string,
  req: ApiRequest,
): unknown {
  const options = req.rawBody.trim() === '' ? {} : parseBody(req);
  const dryRun =
    isDryRun(req) ||
    (isPlainObject(options) && Array.isArray(options.dryRun) && options.dryRun.includes('All'));
  const result = registry.delete(route.rt, route.namespace ?? '', name, options, { dryRun });
  return result.kind === 'Status' ? result : presentObject(route.rt, route.version, result as KubeObject);
}
