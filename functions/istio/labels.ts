import type { ServiceConfig } from '../config.js';
import type { Slot } from '../release/types.js';

/** API version gray writes Istio objects with: the seed's, served by every Istio release since 1.5. */
export const ISTIO_API_VERSION = 'networking.istio.io/v1beta1';

/** Value of `app.kubernetes.io/managed-by` on objects gray creates. */
export const MANAGED_BY = 'gray';

/** `<svc>-<slot>`: the seed's `nameWithDeploymentType`. */
export function slotDeploymentName(service: ServiceConfig, slot: Slot): string {
  return `${service.name}-${slot}`;
}

/**
 * Selector labels of one slot's Pods (seed: `selectorLabelsWithDeploymentType` = the chart's
 * selectorLabels — name and instance — plus the slot label), so chart- and gray-made slots match.
 */
export function slotSelectorLabels(service: ServiceConfig, slot: Slot): Record<string, string> {
  return {
    'app.kubernetes.io/name': service.name,
    'app.kubernetes.io/instance': slotDeploymentName(service, slot),
    [service.slotLabel]: slot,
  };
}

/** All labels of a slot's Deployment and Pods for `version` (seed: the chart's labels). */
export function slotLabels(service: ServiceConfig, slot: Slot, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': service.name,
    'app.kubernetes.io/instance': slotDeploymentName(service, slot),
    [service.slotLabel]: slot,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Escapes one JSON Pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function pointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
