// The `/status` and `/scale` subresources. Scale is served as autoscaling/v1 Scale, built from the Deployment.
import {
  type ApiRequest,
  checkObjectForUpdate,
  getObject,
  isDryRun,
  parseBody,
  patchView,
  type ResourceRoute,
} from './handlers.js';
import { presentObject, type Registry } from './registry.js';
import { cloneObject, isPlainObject, type KubeObject } from './resources.js';
import { badRequest, conflict, methodNotAllowed, pathNotFound } from './status.js';

/** `matchLabels` as the label-selector string Scale.status.selector carries (`a=b,c=d`, keys sorted). */
function selectorString(obj: KubeObject): string {
  const selector = isPlainObject(obj.spec?.selector) ? obj.spec.selector : {};
  const labels = isPlainObject(selector.matchLabels) ? selector.matchLabels : {};
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`)
    .join(',');
}

/** The autoscaling/v1 Scale view of a Deployment (zero `spec.replicas` omitted, as the real one is). */
export function scaleOf(obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const replicas = Number(obj.spec?.replicas ?? 0);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: replicas === 0 ? {} : { replicas },
    status: { replicas: Number(obj.status?.replicas ?? 0), selector: selectorString(obj) },
  };
}

function writeScale(
  registry: Registry,
  route: ResourceRoute,
  name: string,
  scale: unknown,
  req: ApiRequest,
): KubeObject {
  if (!isPlainObject(scale)) throw badRequest('Object is not a Scale');
  const meta = isPlainObject(scale.metadata) ? scale.metadata : {};
  if (meta.name !== undefined && meta.name !== name) {
    throw badRequest(
      `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
    );
  }
  const current = registry.getOrThrow(route.rt, route.namespace ?? '', name);
  const rv = meta.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion)
    throw conflict(route.rt, name);
  const spec = isPlainObject(scale.spec) ? scale.spec : {};
  const next = cloneObject(current);
  next.spec = { ...(next.spec ?? {}), replicas: spec.replicas ?? 0 };
  const updated = registry.update(route.rt, 'v1', route.namespace ?? '', name, next, {
    dryRun: isDryRun(req),
  });
  return scaleOf(updated);
}

function handleScale(registry: Registry, route: ResourceRoute, name: string, req: ApiRequest): unknown {
  if (route.rt.plural !== 'deployments') throw pathNotFound();
  const namespace = route.namespace ?? '';
  switch (req.method) {
    case 'GET':
      return scaleOf(registry.getOrThrow(route.rt, namespace, name));
    case 'PUT':
      return writeScale(registry, route, name, parseBody(req), req);
    case 'PATCH': {
      const view = scaleOf(registry.getOrThrow(route.rt, namespace, name));
      return writeScale(registry, route, name, patchView(route.rt, view, req), req);
    }
    default:
      throw methodNotAllowed();
  }
}

function handleStatus(registry: Registry, route: ResourceRoute, name: string, req: ApiRequest): unknown {
  const namespace = route.namespace ?? '';
  const { rt, version } = route;
  let candidate: KubeObject;
  switch (req.method) {
    case 'GET':
      return getObject(registry, route, name);
    case 'PUT':
      candidate = checkObjectForUpdate(registry, route, name, parseBody(req));
      break;
    case 'PATCH':
      candidate = checkObjectForUpdate(
        registry,
        route,
        name,
        patchView(rt, getObject(registry, route, name), req),
      );
      break;
    default:
      throw methodNotAllowed();
  }
  return presentObject(
    rt,
    version,
    registry.updateStatus(rt, namespace, name, candidate, { dryRun: isDryRun(req) }),
  );
}

/** Serves `<object>/status` (GET/PUT/PATCH) and `deployments/<name>/scale` (GET/PUT/PATCH). */
export function handleSubresource(
  registry: Registry,
  route: ResourceRoute,
  name: string,
  req: ApiRequest,
): unknown {
  if (route.subresource === 'scale') return handleScale(registry, route, name, req);
  if (route.subresource === 'status' && route.rt.subresources.includes('status'))
    return handleStatus(registry, route, name, req);
  throw pathNotFound();
}
