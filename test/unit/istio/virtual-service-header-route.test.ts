import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import fc from 'fast-check';
import { applyPatch } from 'rfc6902';
import { describe, expect, it } from 'vitest';
import {
  buildHeaderRoute,
  combinePlans,
  planHeaderRoute,
  planWeights,
  RouteNotFoundError,
  readHeaderRoute,
  readWeights,
} from '../../../functions/istio/virtual-service.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import type { HeaderRoute, Weights } from '../../../functions/release/types.js';
import { applyOps, readFixture, shippedService } from '../../support/istio-objects.js';

const service = shippedService();
const HOST = 'address-service.happyride.svc.cluster.local';
const LATEST: HeaderRoute = { header: 'x-latest-version', values: ['true'], slot: 'green' };
const LATEST_ROUTE = {
  name: 'address-service-latest',
  match: [{ headers: { 'x-latest-version': { exact: 'true' } } }],
  route: [{ destination: { host: HOST, subset: 'green' } }],
};

function routes(vs: KubeObject): { name?: string; [field: string]: unknown }[] {
  return (vs.spec as { http: { name?: string }[] }).http;
}

function names(vs: KubeObject): (string | undefined)[] {
  return routes(vs).map((r) => r.name);
}

describe('planHeaderRoute', () => {
  it('copies the port of the default route to the header route (multi-port Services)', () => {
    const seed = readFixture('virtualservice-seed.yaml');
    for (const destination of (routes(seed)[0] as { route: { destination: Record<string, unknown> }[] })
      .route)
      destination.destination.port = { number: 8080 };

    const after = applyOps(seed, planHeaderRoute(service, LATEST)(seed));

    expect(routes(after)[0]).toEqual({
      ...LATEST_ROUTE,
      route: [{ destination: { host: HOST, subset: 'green', port: { number: 8080 } } }],
    });
  });

  it('inserts address-service-latest immediately before the default route of the seed', () => {
    const seed = readFixture('virtualservice-seed.yaml');

    const ops = planHeaderRoute(service, LATEST)(seed);
    const after = applyOps(seed, ops);

    expect(ops).toEqual([
      { op: 'test', path: '/spec/http/0/name', value: 'address-service-http' },
      { op: 'add', path: '/spec/http/0', value: LATEST_ROUTE },
    ]);
    expect(routes(after)).toEqual([LATEST_ROUTE, routes(seed)[0]]);
    expect(() => new VirtualService(after as never).validate()).not.toThrow();
  });

  it('leaves exactly one route of that name when applied twice', () => {
    const seed = readFixture('virtualservice-seed.yaml');
    const plan = planHeaderRoute(service, LATEST);

    const once = applyOps(seed, plan(seed));
    const second = plan(once);
    const twice = applyOps(once, second);

    expect(second).toEqual([]);
    expect(names(twice)).toEqual(['address-service-latest', 'address-service-http']);
    expect(twice).toEqual(once);
  });

  it('replaces the route in place when the value changes', () => {
    const vs = readFixture('virtualservice-header-before.yaml');

    const ops = planHeaderRoute(service, { header: 'x-latest-version', values: ['yes'], slot: 'green' })(vs);
    const after = applyOps(vs, ops);

    expect(ops).toEqual([
      { op: 'test', path: '/spec/http/0/name', value: 'address-service-latest' },
      {
        op: 'replace',
        path: '/spec/http/0',
        value: { ...LATEST_ROUTE, match: [{ headers: { 'x-latest-version': { exact: 'yes' } } }] },
      },
    ]);
    expect(names(after)).toEqual(['address-service-latest', 'address-service-http']);
    expect(routes(after)[1]).toEqual(routes(vs)[1]);
    expect(readHeaderRoute(service, after)).toEqual({
      header: 'x-latest-version',
      values: ['yes'],
      slot: 'green',
    });
  });

  it('moves a header route found after the default route to just before it', () => {
    const vs = readFixture('virtualservice-header-after.yaml');

    const after = applyOps(vs, planHeaderRoute(service, LATEST)(vs));

    expect(names(after)).toEqual(['health', 'address-service-latest', 'address-service-http']);
    expect(routes(after)[0]).toEqual(routes(vs)[0]);
    expect(routes(after)[1]).toEqual(LATEST_ROUTE);
    expect(routes(after)[2]).toEqual(routes(vs)[1]);
  });

  it('removes the header route, and only it, when given undefined', () => {
    const vs = readFixture('virtualservice-header-before.yaml');

    const ops = planHeaderRoute(service, undefined)(vs);
    const after = applyOps(vs, ops);

    expect(ops).toEqual([
      { op: 'test', path: '/spec/http/0/name', value: 'address-service-latest' },
      { op: 'remove', path: '/spec/http/0' },
    ]);
    expect(routes(after)).toEqual([routes(vs)[1]]);
    const withoutRoutes = (object: KubeObject) => ({
      ...object,
      spec: { ...(object.spec as object), http: [] },
    });
    expect(withoutRoutes(after)).toEqual(withoutRoutes(vs));
  });

  it('removes a header route that sits after the default route and keeps the other routes', () => {
    const vs = readFixture('virtualservice-header-after.yaml');

    const after = applyOps(vs, planHeaderRoute(service, undefined)(vs));

    expect(routes(after)).toEqual([routes(vs)[0], routes(vs)[1]]);
  });

  it('plans nothing when removing a header route that is not there', () => {
    expect(planHeaderRoute(service, undefined)(readFixture('virtualservice-seed.yaml'))).toEqual([]);
  });

  it('turns a user cohort into one exact match per user on the user header', () => {
    const seed = readFixture('virtualservice-seed.yaml');
    const cohort: HeaderRoute = { header: 'x-user-id', values: ['u1', 'u2'], slot: 'green' };

    const after = applyOps(seed, planHeaderRoute(service, cohort)(seed));

    expect(routes(after)[0]).toEqual({
      name: 'address-service-latest',
      match: [{ headers: { 'x-user-id': { exact: 'u1' } } }, { headers: { 'x-user-id': { exact: 'u2' } } }],
      route: [{ destination: { host: HOST, subset: 'green' } }],
    });
    expect(readHeaderRoute(service, after)).toEqual(cohort);
  });

  it('keeps every other field of a user VirtualService when adding and removing the header route', () => {
    const user = readFixture('virtualservice-user.yaml');

    const on = applyOps(user, planHeaderRoute(service, LATEST)(user));
    const off = applyOps(on, planHeaderRoute(service, undefined)(on));

    expect(names(on)).toEqual([
      'internal-admin',
      'address-service-latest',
      'address-service-http',
      'legacy-fallback',
    ]);
    expect(JSON.stringify(off)).toBe(JSON.stringify(user));
  });

  it('fails its test op when the default route moved after the plan was made', () => {
    const seed = readFixture('virtualservice-seed.yaml');
    const ops = planHeaderRoute(service, LATEST)(seed);
    const changed = structuredClone(seed);
    routes(changed).unshift({ name: 'hotfix' });

    expect(applyPatch(changed, ops).map((e) => e?.name ?? null)).toEqual(['TestError', null]);
  });

  it('throws RouteNotFoundError when adding a header route to a VirtualService without the default route', () => {
    expect(() => planHeaderRoute(service, LATEST)(readFixture('virtualservice-unnamed-route.yaml'))).toThrow(
      RouteNotFoundError,
    );
  });
});

describe('readHeaderRoute', () => {
  it('reads the header, values and slot of the managed route', () => {
    expect(readHeaderRoute(service, readFixture('virtualservice-header-before.yaml'))).toEqual(LATEST);
  });

  it('returns undefined when the managed route is absent, even if a differently named one exists', () => {
    expect(readHeaderRoute(service, readFixture('virtualservice-seed.yaml'))).toBeUndefined();
    expect(readHeaderRoute(service, readFixture('virtualservice-unnamed-route.yaml'))).toBeUndefined();
  });
});

describe('buildHeaderRoute', () => {
  it("builds the seed's latest route under gray's name", () => {
    expect(buildHeaderRoute(service, LATEST)).toEqual(LATEST_ROUTE);
  });
});

describe('combinePlans', () => {
  it('removes the header route and moves the weights in one patch although indices shift', () => {
    const vs = readFixture('virtualservice-header-before.yaml');

    const ops = combinePlans(
      planHeaderRoute(service, undefined),
      planWeights(service, { blue: 0, green: 100 }),
    )(vs);
    const after = applyOps(vs, ops);

    expect(ops.slice(0, 3)).toEqual([
      { op: 'test', path: '/spec/http/0/name', value: 'address-service-latest' },
      { op: 'remove', path: '/spec/http/0' },
      { op: 'test', path: '/spec/http/0/name', value: 'address-service-http' },
    ]);
    expect(routes(after)).toEqual([
      {
        name: 'address-service-http',
        route: [
          { destination: { host: HOST, subset: 'blue' }, weight: 0 },
          { destination: { host: HOST, subset: 'green' }, weight: 100 },
        ],
      },
    ]);
  });

  it('adds the header route and moves the weights in one patch', () => {
    const seed = readFixture('virtualservice-seed.yaml');

    const after = applyOps(
      seed,
      combinePlans(planHeaderRoute(service, LATEST), planWeights(service, { blue: 99, green: 1 }))(seed),
    );

    expect(routes(after)).toEqual([
      LATEST_ROUTE,
      {
        name: 'address-service-http',
        route: [
          { destination: { host: HOST, subset: 'blue' }, weight: 99 },
          { destination: { host: HOST, subset: 'green' }, weight: 1 },
        ],
      },
    ]);
  });

  it('does not change the object it plans against', () => {
    const vs = readFixture('virtualservice-header-before.yaml');
    const before = structuredClone(vs);

    combinePlans(planHeaderRoute(service, undefined), planWeights(service, { blue: 0, green: 100 }))(vs);

    expect(vs).toEqual(before);
  });

  it('returns [] when no plan changes anything', () => {
    const seed = readFixture('virtualservice-seed.yaml');

    expect(
      combinePlans(planHeaderRoute(service, undefined), planWeights(service, { blue: 100, green: 0 }))(seed),
    ).toEqual([]);
  });
});

describe('weight and header route plans together (property)', () => {
  const step = fc.oneof(
    fc.integer({ min: 0, max: 100 }).map((w) => ({ weights: { blue: 100 - w, green: w } as Weights })),
    fc
      .record({
        header: fc.constantFrom('x-latest-version', 'x-user-id'),
        values: fc.uniqueArray(fc.constantFrom('true', 'u1', 'u2'), { minLength: 1, maxLength: 3 }),
        slot: fc.constantFrom('blue' as const, 'green' as const),
      })
      .map((header) => ({ header: header as HeaderRoute | undefined })),
    fc.constant({ header: undefined as HeaderRoute | undefined }),
  );

  it.each(['virtualservice-seed.yaml', 'virtualservice-user.yaml'])(
    'on %s: any sequence of combined plans applies, keeps user routes and ends in the asked state',
    (name) => {
      const start = readFixture(name);
      const userRoutes = (vs: KubeObject) =>
        JSON.stringify(
          routes(vs).filter((r) => r.name !== 'address-service-http' && r.name !== 'address-service-latest'),
        );
      fc.assert(
        fc.property(fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { maxLength: 6 }), (batches) => {
          let vs = start;
          let weights = readWeights(service, start);
          let header = readHeaderRoute(service, start);
          for (const batch of batches) {
            const plans = batch.map((s) => {
              if ('weights' in s) {
                weights = s.weights;
                return planWeights(service, s.weights);
              }
              header = s.header;
              return planHeaderRoute(service, s.header);
            });
            vs = applyOps(vs, combinePlans(...plans)(vs));
            const order = names(vs);
            expect(readWeights(service, vs)).toEqual(weights);
            expect(readHeaderRoute(service, vs)).toEqual(header);
            expect(order.filter((n) => n === 'address-service-latest')).toHaveLength(header ? 1 : 0);
            if (header) {
              expect(order.indexOf('address-service-http') - order.indexOf('address-service-latest')).toBe(1);
            }
            expect(userRoutes(vs)).toBe(userRoutes(start));
            expect(planWeights(service, weights)(vs)).toEqual([]);
            expect(planHeaderRoute(service, header)(vs)).toEqual([]);
          }
        }),
        { numRuns: 100 },
      );
    },
  );
});
