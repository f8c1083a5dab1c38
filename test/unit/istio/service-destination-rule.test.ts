import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { Service } from 'kubernetes-models/v1/Service';
import { applyPatch } from 'rfc6902';
import { describe, expect, it } from 'vitest';
import {
  buildDestinationRule,
  planDestinationRuleSubsets,
  slotSubset,
} from '../../../functions/istio/destination-rule.js';
import { buildService } from '../../../functions/istio/service.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { shippedService } from '../../support/istio-objects.js';

const service = shippedService();
const HOST = 'address-service.happyride.svc.cluster.local';
const LABELS = { 'app.kubernetes.io/name': 'address-service', 'app.kubernetes.io/managed-by': 'gray' };
const BLUE = { name: 'blue', labels: { 'app.vividcode.io/deployment-type': 'blue' } };
const GREEN = { name: 'green', labels: { 'app.vividcode.io/deployment-type': 'green' } };

describe('buildService', () => {
  it('builds the shared Service selecting only app.kubernetes.io/name, so it spans both slots', () => {
    const built = buildService(service);

    expect(built).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'address-service', namespace: 'happyride', labels: LABELS },
      spec: {
        selector: { 'app.kubernetes.io/name': 'address-service' },
        ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }],
      },
    });
    expect(() => new Service(built as never).validate()).not.toThrow();
  });
});

describe('buildDestinationRule', () => {
  it('builds DestinationRule address-service with subsets blue and green selected by the slot label', () => {
    const built = buildDestinationRule(service);

    expect(built).toEqual({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'address-service', namespace: 'happyride', labels: LABELS },
      spec: { host: HOST, subsets: [BLUE, GREEN] },
    });
    expect(() => new DestinationRule(built as never).validate()).not.toThrow();
  });

  it("is checked against Istio's schema, which refuses a subset without a name", () => {
    const broken = buildDestinationRule(service) as { spec: { subsets: { name?: string }[] } };
    delete broken.spec.subsets[0]!.name;

    expect(() => new DestinationRule(broken as never).validate()).toThrow(
      'data/spec/subsets/0 must have required property name',
    );
  });

  it('uses a configured slot label', () => {
    const custom = { ...service, slotLabel: 'slot' };

    expect(slotSubset(custom, 'green')).toEqual({ name: 'green', labels: { slot: 'green' } });
  });
});

describe('planDestinationRuleSubsets', () => {
  function rule(spec: Record<string, unknown>): KubeObject {
    return {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'address-service', namespace: 'happyride' },
      spec,
    };
  }

  it('adds the missing green subset after the user subsets, guarded by the current list', () => {
    const user = {
      name: 'blue',
      labels: { version: 'v1' },
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
    };
    const current = rule({ host: HOST, subsets: [user] });

    const ops = planDestinationRuleSubsets(service, current);
    const after = structuredClone(current);
    const errors = applyPatch(after, ops);

    expect(ops).toEqual([
      { op: 'test', path: '/spec/subsets', value: [user] },
      { op: 'add', path: '/spec/subsets/-', value: GREEN },
    ]);
    expect(errors).toEqual([null, null]);
    expect(after.spec).toEqual({ host: HOST, subsets: [user, GREEN] });
  });

  it('adds both subsets when the DestinationRule has none, keeping its traffic policy', () => {
    const current = rule({ host: HOST, trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } });

    const after = structuredClone(current);
    const errors = applyPatch(after, planDestinationRuleSubsets(service, current));

    expect(errors).toEqual([null]);
    expect(after.spec).toEqual({
      host: HOST,
      trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
      subsets: [BLUE, GREEN],
    });
  });

  it('plans nothing when both subsets exist', () => {
    expect(planDestinationRuleSubsets(service, buildDestinationRule(service))).toEqual([]);
  });

  it('fails its test op when the subsets changed after the plan was made', () => {
    const current = rule({ host: HOST, subsets: [BLUE] });
    const ops = planDestinationRuleSubsets(service, current);
    const changed = rule({ host: HOST, subsets: [BLUE, { name: 'canary', labels: { track: 'canary' } }] });

    expect(applyPatch(changed, ops).map((e) => e?.name ?? null)).toEqual(['TestError', null]);
  });
});
