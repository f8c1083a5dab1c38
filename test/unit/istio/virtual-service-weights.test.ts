import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import fc from 'fast-check';
import { applyPatch } from 'rfc6902';
import { describe, expect, it } from 'vitest';
import {
  buildVirtualService,
  planWeights,
  RouteNotFoundError,
  readWeights,
} from '../../../functions/istio/virtual-service.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { applyOps, readFixture, shippedService } from '../../support/istio-objects.js';

const service = shippedService();
const HOST = 'address-service.happyride.svc.cluster.local';

interface Route {
  name?: string;
  route?: { destination: { subset?: string }; weight?: number }[];
}

function routes(vs: KubeObject): Route[] {
  return (vs.spec as { http: Route[] }).http;
}

function destinationWeights(vs: KubeObject, routeName = 'address-service-http'): Record<string, unknown> {
  const route = routes(vs).find((r) => r.name === routeName);
  return Object.fromEntries((route?.route ?? []).map((d) => [d.destination.subset, d.weight]));
}

describe('planWeights', () => {
  it('moves the seed VirtualService to blue 75 / green 25 with both weights explicit', () => {
    const seed = readFixture('virtualservice-seed.yaml');

    const after = applyOps(seed, planWeights(service, { blue: 75, green: 25 })(seed));

    expect(routes(after)).toEqual([
      {
        name: 'address-service-http',
        route: [
          { destination: { host: HOST, subset: 'blue' }, weight: 75 },
          { destination: { host: HOST, subset: 'green' }, weight: 25 },
        ],
      },
    ]);
    expect(destinationWeights(after)).toEqual({ blue: 75, green: 25 });
    expect({ ...after, spec: undefined }).toEqual({ ...seed, spec: undefined });
  });

  it('guards every change on the seed with test ops on route name, subset and old weight', () => {
    const seed = readFixture('virtualservice-seed.yaml');

    const ops = planWeights(service, { blue: 75, green: 25 })(seed);

    expect(ops).toEqual([
      { op: 'test', path: '/spec/http/0/name', value: 'address-service-http' },
      { op: 'test', path: '/spec/http/0/route/0/destination/subset', value: 'blue' },
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 75 },
      { op: 'test', path: '/spec/http/0/route/1/destination/subset', value: 'green' },
      { op: 'test', path: '/spec/http/0/route/1/weight', value: 0 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 25 },
    ]);
  });

  it('fails its test op when someone changed a weight after the plan was made', () => {
    const seed = readFixture('virtualservice-seed.yaml');
    const ops = planWeights(service, { blue: 75, green: 25 })(seed);
    const changed = structuredClone(seed);
    routes(changed)[0]!.route![1]!.weight = 10;

    const errors = applyPatch(changed, ops).map((e) => e?.name ?? null);

    expect(errors).toEqual([null, null, null, null, null, 'TestError', null]);
  });

  it('fails its route-name test when someone inserted a route before the default route', () => {
    const seed = readFixture('virtualservice-seed.yaml');
    const ops = planWeights(service, { blue: 75, green: 25 })(seed);
    const changed = structuredClone(seed);
    routes(changed).unshift({ name: 'hotfix', route: [{ destination: { subset: 'blue' } }] });

    const errors = applyPatch(changed, ops).map((e) => e?.name ?? null);

    expect(errors[0]).toBe('TestError');
  });

  it('keeps every other field of a user VirtualService byte-for-byte through a weight change', () => {
    const user = readFixture('virtualservice-user.yaml');

    const after = applyOps(user, planWeights(service, { blue: 40, green: 60 })(user));

    expect(destinationWeights(after)).toEqual({ blue: 40, green: 60 });
    const others = (vs: KubeObject) =>
      JSON.stringify(routes(vs).filter((r) => r.name !== 'address-service-http'));
    expect(others(after)).toBe(others(user));
    const withoutWeights = (vs: KubeObject) => {
      const copy = structuredClone(vs);
      for (const d of routes(copy)[1]!.route!) delete d.weight;
      return JSON.stringify(copy);
    };
    expect(withoutWeights(after)).toBe(withoutWeights(user));
    expect(JSON.stringify(routes(after)[1])).toBe(
      JSON.stringify(routes(user)[1])
        .replace('"weight":90', '"weight":40')
        .replace('"weight":10', '"weight":60'),
    );
  });

  it('adds a weight to a destination written without one and adds the missing green destination', () => {
    const vs = readFixture('virtualservice-no-weight.yaml');

    const after = applyOps(vs, planWeights(service, { blue: 99, green: 1 })(vs));

    expect(routes(after)[0]).toEqual({
      name: 'address-service-http',
      route: [
        { destination: { host: HOST, subset: 'blue' }, weight: 99 },
        { destination: { host: HOST, subset: 'green' }, weight: 1 },
      ],
    });
  });

  it('adds a missing subset destination copying the port of the existing one', () => {
    const vs = readFixture('virtualservice-missing-subset.yaml');

    const ops = planWeights(service, { blue: 75, green: 25 })(vs);
    const after = applyOps(vs, ops);

    expect(ops.at(-1)).toEqual({
      op: 'add',
      path: '/spec/http/0/route/-',
      value: { destination: { host: HOST, subset: 'green', port: { number: 8080 } }, weight: 25 },
    });
    expect(routes(after)[0]!.route).toEqual([
      { destination: { host: HOST, subset: 'blue', port: { number: 8080 } }, weight: 75 },
      { destination: { host: HOST, subset: 'green', port: { number: 8080 } }, weight: 25 },
    ]);
  });

  it('creates the destination list when the default route has none', () => {
    const vs = readFixture('virtualservice-seed.yaml');
    delete routes(vs)[0]!.route;

    const after = applyOps(vs, planWeights(service, { blue: 100, green: 0 })(vs));

    expect(routes(after)[0]!.route).toEqual([
      { destination: { host: HOST, subset: 'blue' }, weight: 100 },
      { destination: { host: HOST, subset: 'green' }, weight: 0 },
    ]);
  });

  it('plans nothing when the weights already match', () => {
    expect(planWeights(service, { blue: 100, green: 0 })(readFixture('virtualservice-seed.yaml'))).toEqual(
      [],
    );
    expect(planWeights(service, { blue: 90, green: 10 })(readFixture('virtualservice-user.yaml'))).toEqual(
      [],
    );
  });

  it('only touches the slot whose weight changes', () => {
    const vs = readFixture('virtualservice-seed.yaml');
    routes(vs)[0]!.route![0]!.weight = 75;

    expect(planWeights(service, { blue: 75, green: 25 })(vs)).toEqual([
      { op: 'test', path: '/spec/http/0/name', value: 'address-service-http' },
      { op: 'test', path: '/spec/http/0/route/1/destination/subset', value: 'green' },
      { op: 'test', path: '/spec/http/0/route/1/weight', value: 0 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 25 },
    ]);
  });

  it('throws RouteNotFoundError naming the route and routeName when the default route is missing', () => {
    const vs = readFixture('virtualservice-unnamed-route.yaml');

    const plan = () => planWeights(service, { blue: 75, green: 25 })(vs);

    expect(plan).toThrow(RouteNotFoundError);
    expect(plan).toThrow(
      'VirtualService address-service-deployment has no http route named "address-service-http"; name its default route "address-service-http" or set routeName in gray.config.yaml',
    );
    try {
      plan();
    } catch (error) {
      expect((error as RouteNotFoundError).code).toBe('route_missing');
      expect((error as RouteNotFoundError).expose).toBe(true);
    }
  });

  it('for any weight w yields exactly {blue: 100 - w, green: w} on the seed and keeps the route count', () => {
    const seed = readFixture('virtualservice-seed.yaml');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (w) => {
        const after = applyOps(seed, planWeights(service, { blue: 100 - w, green: w })(seed));
        expect(destinationWeights(after)).toEqual({ blue: 100 - w, green: w });
        expect(routes(after)).toHaveLength(1);
        expect(routes(after)[0]!.route).toHaveLength(2);
      }),
    );
  });

  it('for any weight w changes only weights of the user VirtualService', () => {
    const user = readFixture('virtualservice-user.yaml');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (w) => {
        const after = applyOps(user, planWeights(service, { blue: 100 - w, green: w })(user));
        expect(destinationWeights(after)).toEqual({ blue: 100 - w, green: w });
        expect(readWeights(service, after)).toEqual({ blue: 100 - w, green: w });
        expect(routes(after).map((r) => r.name)).toEqual([
          'internal-admin',
          'address-service-http',
          'legacy-fallback',
        ]);
      }),
      { numRuns: 50 },
    );
  });
});

describe('readWeights', () => {
  it('reads the seed as blue 100 / green 0 and the user VirtualService as 90 / 10', () => {
    expect(readWeights(service, readFixture('virtualservice-seed.yaml'))).toEqual({ blue: 100, green: 0 });
    expect(readWeights(service, readFixture('virtualservice-user.yaml'))).toEqual({ blue: 90, green: 10 });
  });

  it('gives a lone destination without weight 100 and a missing subset 0', () => {
    expect(readWeights(service, readFixture('virtualservice-no-weight.yaml'))).toEqual({
      blue: 100,
      green: 0,
    });
  });

  it('throws RouteNotFoundError when the default route is missing', () => {
    expect(() => readWeights(service, readFixture('virtualservice-unnamed-route.yaml'))).toThrow(
      RouteNotFoundError,
    );
  });
});

describe('buildVirtualService', () => {
  it("builds the seed's VirtualService with both weights explicit", () => {
    const vs = buildVirtualService(service, { blue: 99, green: 1 });

    expect(vs).toEqual({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: {
        name: 'address-service-deployment',
        namespace: 'happyride',
        labels: { 'app.kubernetes.io/name': 'address-service', 'app.kubernetes.io/managed-by': 'gray' },
      },
      spec: {
        hosts: [HOST],
        http: [
          {
            name: 'address-service-http',
            route: [
              { destination: { host: HOST, subset: 'blue' }, weight: 99 },
              { destination: { host: HOST, subset: 'green' }, weight: 1 },
            ],
          },
        ],
      },
    });
    expect(readWeights(service, vs)).toEqual({ blue: 99, green: 1 });
  });

  it("passes Istio's schema, which refuses a non-integer weight", () => {
    const vs = buildVirtualService(service, { blue: 100, green: 0 });
    expect(() => new VirtualService(vs as never).validate()).not.toThrow();

    expect(() => buildVirtualService(service, { blue: 66.5, green: 33.5 })).toThrow(/weight must be integer/);
  });

  it('refuses a weight outside 0–100, naming the VirtualService, the route and the bad weights', () => {
    expect(() => buildVirtualService(service, { blue: 101, green: -1 })).toThrow(
      'VirtualService address-service-deployment: route address-service-http weight must be integer 0–100 (blue 101, green -1)',
    );
    expect(() => buildVirtualService(service, { blue: 100, green: Number.NaN })).toThrow(
      'VirtualService address-service-deployment: route address-service-http weight must be integer 0–100 (green NaN)',
    );
  });
});
