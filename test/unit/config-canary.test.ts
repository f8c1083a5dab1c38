import { describe, expect, it } from 'vitest';
import { canarySettings, parseGrayConfig } from '../../functions/config.js';

const MINIMAL = {
  name: 'address-service',
  namespace: 'happyride',
  host: 'address-service.happyride.svc.cluster.local',
  image: 'happyride/happyride-address-service',
  port: 8080,
};

const parseCanary = (canary: unknown) => parseGrayConfig({ services: [{ ...MINIMAL, canary }] }).services[0]!;

const DEFAULTS = {
  steps: [1, 5, 25, 50, 100],
  interval: 300,
  failureLimit: 3,
  minRequests: 100,
  window: 300,
  maxWeight: 100,
  successRate: { min: 99 },
  latency: { p99MaxRatio: 1.2 },
  prometheus: { service: { namespace: 'istio-system', name: 'prometheus', port: 9090, scheme: 'http' } },
  checks: [],
};

describe('canary config', () => {
  it('gives a service without a canary block every default', () => {
    const service = parseGrayConfig({ services: [MINIMAL] }).services[0]!;

    expect(service.canary).toBeUndefined();
    expect(canarySettings(service)).toEqual(DEFAULTS);
  });

  it('reads a full block: durations in seconds, a clamped last step, a URL with SigV4, extra checks', () => {
    const service = parseCanary({
      steps: [5, 20, 40],
      interval: '10m',
      failureLimit: 2,
      minRequests: 50,
      window: '2m',
      maxWeight: 50,
      successRate: { min: 99.5 },
      latency: { p99MaxMs: 300 },
      prometheus: {
        url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
        sigv4: { region: 'eu-west-1' },
      },
      checks: [
        {
          name: 'cpu',
          query: 'sum(rate(container_cpu_usage_seconds_total{pod=~"{{ workload }}-.*"}[{{window}}]))',
          comparison: '<=',
          threshold: 1.5,
          relativeTo: 'live',
        },
      ],
    });

    expect(canarySettings(service)).toEqual({
      steps: [5, 20, 50],
      interval: 600,
      failureLimit: 2,
      minRequests: 50,
      window: 120,
      maxWeight: 50,
      successRate: { min: 99.5 },
      latency: { p99MaxMs: 300 },
      prometheus: {
        url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
        sigv4: { region: 'eu-west-1' },
      },
      checks: [
        {
          name: 'cpu',
          query: 'sum(rate(container_cpu_usage_seconds_total{pod=~"{{ workload }}-.*"}[{{window}}]))',
          comparison: '<=',
          threshold: 1.5,
          relativeTo: 'live',
          unit: '',
        },
      ],
    });
  });

  it.each([
    [
      { steps: [50, 25] },
      'services.0.canary.steps: canary: steps must increase, but 25 follows 50; like steps 1,5,25,50,100',
    ],
    [
      { interval: '30s' },
      'services.0.canary.interval: interval must be at least 1m (the sweeper runs every minute)',
    ],
    [
      { checks: [{ name: 'x', query: 'up{pod="{{pod}}"}', comparison: '<', threshold: 1 }] },
      'services.0.canary.checks.0.query: query placeholders are {{workload}}, {{namespace}}, {{service}}, {{slot}} and {{window}}',
    ],
    [{ prometheus: { url: 'ftp://prom' } }, 'services.0.canary.prometheus'],
    [{ stepz: [1] }, 'services.0.canary: Unrecognized key: "stepz"'],
  ])('refuses %j naming the field', (canary, message) => {
    expect(() => parseCanary(canary)).toThrow(message);
  });
});
