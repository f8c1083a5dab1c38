import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import type { ServiceConfig } from '../config.js';
import type { JsonPatchOp, KubeObject } from '../release/ports.js';
import { SLOTS, type Slot } from '../release/types.js';
import { ISTIO_API_VERSION, MANAGED_BY } from './labels.js';

interface Subset {
  name: string;
  labels?: Record<string, string>;
}

/** The subset gray expects for a slot: named after it, selected by the slot label. */
export function slotSubset(service: ServiceConfig, slot: Slot): Subset {
  return { name: slot, labels: { [service.slotLabel]: slot } };
}

/**
 * Builds DestinationRule `<svc>` with subsets blue and green selected by the slot label (seed's
 * shape, networking.istio.io/v1beta1). Typed by Istio's schema; the API server validates it on create.
 */
export function buildDestinationRule(service: ServiceConfig): KubeObject {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'DestinationRule',
    metadata: {
      name: service.name,
      namespace: service.namespace,
      labels: { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/managed-by': MANAGED_BY },
    },
    spec: { host: service.host, subsets: SLOTS.map((slot) => slotSubset(service, slot)) },
  } satisfies IDestinationRule;
}

/**
 * JSON Patch adding whichever of the blue/green subsets a user's DestinationRule lacks; existing
 * subsets (and every other field) are left as written. `[]` when both exist.
 */
export function planDestinationRuleSubsets(service: ServiceConfig, current: KubeObject): JsonPatchOp[] {
  const spec = (current.spec ?? {}) as { subsets?: Subset[] };
  const subsets = spec.subsets ?? [];
  const missing = SLOTS.filter((slot) => !subsets.some((s) => s.name === slot));
  if (missing.length === 0) return [];
  if (!spec.subsets) {
    return [{ op: 'add', path: '/spec/subsets', value: missing.map((slot) => slotSubset(service, slot)) }];
  }
  return [
    { op: 'test', path: '/spec/subsets', value: subsets },
    ...missing.map(
      (slot): JsonPatchOp => ({ op: 'add', path: '/spec/subsets/-', value: slotSubset(service, slot) }),
    ),
  ];
}
