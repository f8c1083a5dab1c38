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
