import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { applyPatch } from 'rfc6902';
import type { ServiceConfig } from '../config.js';
import { GrayError } from '../release/errors.js';
import type { JsonPatchOp, KubeObject, PatchPlan } from '../release/ports.js';
import { type HeaderRoute, SLOTS, type Slot, type Weights } from '../release/types.js';
import { ISTIO_API_VERSION, MANAGED_BY } from './labels.js';

interface Destination {
  destination: { host: string; subset?: string; port?: { number?: number } };
  weight?: number;
  [field: string]: unknown;
}

interface HttpRoute {
  name?: string;
  match?: {
    headers?: Record<string, { exact?: string; [kind: string]: unknown }>;
    [field: string]: unknown;
  }[];
  route?: Destination[];
  [field: string]: unknown;
}

function httpRoutes(vs: KubeObject): HttpRoute[] {
  return ((vs.spec ?? {}) as { http?: HttpRoute[] }).http ?? [];
}

/** The VirtualService lacks the route gray manages; the message says how to fix the object or config. */
export class RouteNotFoundError extends GrayError {
  /** `vs` and `route` name the VirtualService and the missing http route. */
  constructor(vs: string, route: string) {
    super(
      'route_missing',
      `VirtualService ${vs} has no http route named "${route}"; name its default route "${route}" or set routeName in gray.config.yaml`,
    );
  }
}

/**
 * Builds the seed's VirtualService `<svc>-deployment`: one http route `<svc>-http` with weighted
 * destinations for subsets blue and green (both weights explicit). Typed by Istio's schema; throws
 * Error unless both weights are whole percents 0–100 (Istio's weight is an int32), the one input
 * that is computed rather than checked by config.ts.
 */
export function buildVirtualService(service: ServiceConfig, weights: Weights): KubeObject {
  const bad = SLOTS.filter(
    (slot) => !Number.isInteger(weights[slot]) || weights[slot] < 0 || weights[slot] > 100,
  );
  if (bad.length > 0) {
    throw new Error(
      `VirtualService ${service.virtualService}: route ${service.routeName} weight must be integer 0–100 (${bad
        .map((slot) => `${slot} ${weights[slot]}`)
        .join(', ')})`,
    );
  }
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: {
      name: service.virtualService,
      namespace: service.namespace,
      labels: { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/managed-by': MANAGED_BY },
    },
    spec: {
      hosts: [service.host],
      http: [
        {
          name: service.routeName,
          route: SLOTS.map((slot) => ({
            destination: { host: service.host, subset: slot },
            weight: weights[slot],
          })),
        },
      ],
    },
  } satisfies IVirtualService;
}

/** Finds the default route by name; throws RouteNotFoundError. */
function defaultRoute(service: ServiceConfig, vs: KubeObject): { index: number; route: HttpRoute } {
  const routes = httpRoutes(vs);
  const index = routes.findIndex((r) => r.name === service.routeName);
  const route = routes[index];
  if (!route) throw new RouteNotFoundError(vs.metadata.name, service.routeName);
  return { index, route };
}

/**
 * Reads the default route's weights in percent. A destination without `weight` carries 100 when it is
 * alone and 0 otherwise (Istio's rule); a missing subset counts 0. Throws RouteNotFoundError.
 */
export function readWeights(service: ServiceConfig, vs: KubeObject): Weights {
  const destinations = defaultRoute(service, vs).route.route ?? [];
  const weightOf = (slot: Slot): number => {
    const found = destinations.find((d) => d.destination.subset === slot);
    if (!found) return 0;
    return found.weight ?? (destinations.length === 1 ? 100 : 0);
  };
  return { blue: weightOf('blue'), green: weightOf('green') };
}

/**
 * Plans the default route's weights: both slots written explicitly, a missing destination added
 * (copying the port of an existing one); every other field and route untouched. Ops are guarded by
 * `test`s on the route name, subsets and old weights. `[]` when nothing changes.
 */
export function planWeights(service: ServiceConfig, weights: Weights): PatchPlan {
  return (vs) => {
    const { index, route } = defaultRoute(service, vs);
    const base = `/spec/http/${index}`;
    const destinations = route.route ?? [];
    const port = destinations.find((d) => d.destination.port)?.destination.port;
    const ops: JsonPatchOp[] = [];
    for (const slot of SLOTS) {
      const at = destinations.findIndex((d) => d.destination.subset === slot);
      const found = destinations[at];
      if (!found) {
        const destination = { host: service.host, subset: slot, ...(port ? { port } : {}) };
        ops.push({ op: 'add', path: `${base}/route/-`, value: { destination, weight: weights[slot] } });
      } else if (found.weight === undefined) {
        ops.push({ op: 'test', path: `${base}/route/${at}/destination/subset`, value: slot });
        ops.push({ op: 'add', path: `${base}/route/${at}/weight`, value: weights[slot] });
      } else if (found.weight !== weights[slot]) {
        ops.push({ op: 'test', path: `${base}/route/${at}/destination/subset`, value: slot });
        ops.push({ op: 'test', path: `${base}/route/${at}/weight`, value: found.weight });
        ops.push({ op: 'replace', path: `${base}/route/${at}/weight`, value: weights[slot] });
      }
    }
    if (ops.length === 0) return [];
    if (!route.route) ops.unshift({ op: 'add', path: `${base}/route`, value: [] });
    return [{ op: 'test', path: `${base}/name`, value: service.routeName }, ...ops];
  };
}

/**
 * Builds gray's named header route: requests whose header exactly matches a value go to the slot,
 * on `port` when the default route names one (a multi-port Service needs it on every destination).
 */
export function buildHeaderRoute(
  service: ServiceConfig,
  header: HeaderRoute,
  port?: { number?: number },
): HttpRoute {
  return {
    name: service.headerRouteName,
    match: header.values.map((value) => ({ headers: { [header.header]: { exact: value } } })),
    route: [{ destination: { host: service.host, subset: header.slot, ...(port ? { port } : {}) } }],
  };
}

/** Reads gray's named header route, if any; values are the exact matches on its one header. */
export function readHeaderRoute(service: ServiceConfig, vs: KubeObject): HeaderRoute | undefined {
  const route = httpRoutes(vs).find((r) => r.name === service.headerRouteName);
  if (!route) return undefined;
  const subset = route.route?.[0]?.destination.subset;
  const slot: Slot | undefined = subset === 'blue' || subset === 'green' ? subset : undefined;
  const header = Object.keys(route.match?.[0]?.headers ?? {})[0];
  if (!slot || !header) return undefined;
  const values = (route.match ?? []).flatMap((m) => {
    const value = m.headers?.[header]?.exact;
    return value === undefined ? [] : [value];
  });
  return { header, values, slot };
}

/**
 * Plans gray's header route: `undefined` removes it; otherwise it is replaced in place or inserted
 * just before the default route, so applying it twice leaves exactly one. Guarded by route-name tests.
 */
export function planHeaderRoute(service: ServiceConfig, header: HeaderRoute | undefined): PatchPlan {
  return (vs) => {
    const routes = httpRoutes(vs);
    const at = routes.findIndex((r) => r.name === service.headerRouteName);
    const nameTest = (index: number, name: string): JsonPatchOp => ({
      op: 'test',
      path: `/spec/http/${index}/name`,
      value: name,
    });
    if (!header) {
      return at < 0
        ? []
        : [nameTest(at, service.headerRouteName), { op: 'remove', path: `/spec/http/${at}` }];
    }
    const { index: main, route: defaults } = defaultRoute(service, vs);
    const port = (defaults.route ?? []).find((d) => d.destination.port)?.destination.port;
    const desired = buildHeaderRoute(service, header, port);
    if (at >= 0 && at < main) {
      if (JSON.stringify(routes[at]) === JSON.stringify(desired)) return [];
      return [
        nameTest(at, service.headerRouteName),
        { op: 'replace', path: `/spec/http/${at}`, value: desired },
      ];
    }
    const ops: JsonPatchOp[] = [];
    if (at >= 0) ops.push(nameTest(at, service.headerRouteName), { op: 'remove', path: `/spec/http/${at}` });
    ops.push(nameTest(main, service.routeName), { op: 'add', path: `/spec/http/${main}`, value: desired });
    return ops;
  };
}

/**
 * Names (or `#index`) of routes other than gray's default route that send or mirror requests to the
 * slot's subset — user routes gray does not manage but must not break by removing the slot.
 */
export function otherRoutesToSubset(service: ServiceConfig, vs: KubeObject, slot: Slot): string[] {
  return httpRoutes(vs).flatMap((route, index) => {
    if (route.name === service.routeName) return [];
    const mirror = (route as { mirror?: { subset?: string } }).mirror;
    const mirrors = (route as { mirrors?: { destination?: { subset?: string } }[] }).mirrors ?? [];
    const uses =
      (route.route ?? []).some((d) => d.destination.subset === slot) ||
      mirror?.subset === slot ||
      mirrors.some((m) => m.destination?.subset === slot);
    return uses ? [route.name ?? `#${index}`] : [];
  });
}

/**
 * Runs several plans as one patch: each plans against the result of the previous ones (applied to a
 * copy with rfc6902), so indices stay right. Throws Error if a plan's own ops do not apply.
 */
export function combinePlans(...plans: PatchPlan[]): PatchPlan {
  return (vs) => {
    const working = structuredClone(vs);
    const all: JsonPatchOp[] = [];
    for (const plan of plans) {
      const ops = plan(working);
      const errors = applyPatch(working, ops).filter((e) => e !== null);
      if (errors.length > 0) throw new Error(`internal: planned patch does not apply: ${errors[0]?.message}`);
      all.push(...ops);
    }
    return all;
  };
}
