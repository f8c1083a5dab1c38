// Maps a request path and method to a handler, the way the API server's installer lays out the REST tree.
import { discoveryDocument } from './discovery.js';
import {
  type ApiRequest,
  createObject,
  deleteObject,
  getObject,
  listObjects,
  patchObject,
  type ResourceRoute,
  replaceObject,
} from './handlers.js';
import { nowTimestamp, type Registry } from './registry.js';
import { findResourceType } from './resources.js';
import { badRequest, methodNotAllowed, pathNotFound } from './status.js';
import { handleSubresource } from './subresources.js';

/** What a handler answers: HTTP status and a JSON body. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** Parses `/api/v1/...` or `/apis/<group>/<version>/...` into a resource route, or undefined if none. */
export function parseResourcePath(segments: string[]): ResourceRoute | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] !== undefined) {
    [group, version, rest] = ['', segments[1], segments.slice(2)];
  } else if (segments[0] === 'apis' && segments[1] !== undefined && segments[2] !== undefined) {
    [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (plural === undefined || extra.length > 0) return undefined;
  const rt = findResourceType(group, version, plural);
  if (!rt) return undefined;
  return { rt, version, namespace, name, subresource };
}

/** Namespaces exist implicitly: any name is an Active Namespace; the list holds those with objects. */
function handleNamespaces(registry: Registry, segments: string[], req: ApiRequest): ApiResponse | undefined {
  if (segments[0] !== 'api' || segments[1] !== 'v1' || segments[2] !== 'namespaces' || segments.length > 4)
    return undefined;
  if (req.method !== 'GET') throw methodNotAllowed();
  const namespace = (name: string) => ({
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name }, creationTimestamp: nowTimestamp() },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
  const name = segments[3];
  if (name !== undefined)
    return { status: 200, body: { kind: 'Namespace', apiVersion: 'v1', ...namespace(name) } };
  const names = [...new Set(['default', ...registry.store.namespaces()])].sort();
  const metadata = { resourceVersion: registry.store.currentResourceVersion() };
  return {
    status: 200,
    body: { kind: 'NamespaceList', apiVersion: 'v1', metadata, items: names.map(namespace) },
  };
}

/** Routes one authenticated request; throws KubeStatusError for every API error. */
export function routeRequest(
  registry: Registry,
  path: string,
  req: ApiRequest,
  serverAddress: string,
): ApiResponse {
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  if (req.method === 'GET') {
    const doc = discoveryDocument(segments, serverAddress);
    if (doc !== undefined) return { status: 200, body: doc };
  }
  const namespaces = handleNamespaces(registry, segments, req);
  if (namespaces) return namespaces;
  const route = parseResourcePath(segments);
  if (!route) throw pathNotFound();
  const { name } = route;
  if (route.subresource !== undefined) {
    if (name === undefined || route.namespace === undefined) throw pathNotFound();
    return { status: 200, body: handleSubresource(registry, route, name, req) };
  }
  if (name === undefined) {
    // Fail loudly rather than answer a watch with a plain list the client would misread.
    if (['true', '1'].includes(req.query.get('watch') ?? ''))
      throw badRequest('watch is not implemented by the test API server');
    if (req.method === 'GET') return { status: 200, body: listObjects(registry, route, req) };
    if (req.method === 'POST' && route.namespace !== undefined)
      return { status: 201, body: createObject(registry, route, req) };
    throw methodNotAllowed();
  }
  if (route.namespace === undefined) throw pathNotFound();
  switch (req.method) {
    case 'GET':
      return { status: 200, body: getObject(registry, route, name) };
    case 'PUT':
      return { status: 200, body: replaceObject(registry, route, name, req) };
    case 'PATCH':
      return patchObject(registry, route, name, req);
    case 'DELETE':
      return { status: 200, body: deleteObject(registry, route, name, req) };
    default:
      throw methodNotAllowed();
  }
}
