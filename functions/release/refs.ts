import type { ServiceConfig } from '../config.js';
import { slotDeploymentName } from '../istio/labels.js';
import type { ObjectRef } from './ports.js';
import type { Slot } from './types.js';

/** Ref of a slot's Deployment `<svc>-<slot>`. */
export function deploymentRef(service: ServiceConfig, slot: Slot): ObjectRef {
  return { kind: 'Deployment', namespace: service.namespace, name: slotDeploymentName(service, slot) };
}

/** Ref of the service's VirtualService (default `<svc>-deployment`). */
export function virtualServiceRef(service: ServiceConfig): ObjectRef {
  return { kind: 'VirtualService', namespace: service.namespace, name: service.virtualService };
}

/** Ref of the DestinationRule `<svc>`. */
export function destinationRuleRef(service: ServiceConfig): ObjectRef {
  return { kind: 'DestinationRule', namespace: service.namespace, name: service.name };
}

/** Ref of the shared Service `<svc>`. */
export function serviceRef(service: ServiceConfig): ObjectRef {
  return { kind: 'Service', namespace: service.namespace, name: service.name };
}

/**
 * Label selector matching both slots' Deployments in one LIST: the seed's chart gives both the
 * service's `app.kubernetes.io/name` label (BRIEF.md); a slot missing from the answer is read by name.
 */
export function slotsSelector(service: ServiceConfig): string {
  return `app.kubernetes.io/name=${service.name}`;
}

/** True when `labels` carry every `k=v` of an equality-based selector (`k=v,k2=v2`; empty matches all). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const at = term.indexOf('=');
      return labels?.[term.slice(0, at)] === term.slice(at + 1);
    });
}
