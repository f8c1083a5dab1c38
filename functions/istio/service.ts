import type { IService } from 'kubernetes-models/v1/Service';
import type { ServiceConfig } from '../config.js';
import type { KubeObject } from '../release/ports.js';
import { MANAGED_BY } from './labels.js';

/**
 * Builds the shared Service `<svc>` whose selector uses only `app.kubernetes.io/name`, so it spans
 * both slots (seed: chart `address-service-common`). Typed by the core/v1 schema; the API server
 * validates it on create.
 */
export function buildService(service: ServiceConfig): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: service.name,
      namespace: service.namespace,
      labels: { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/managed-by': MANAGED_BY },
    },
    spec: {
      selector: { 'app.kubernetes.io/name': service.name },
      ports: [{ name: 'http', port: service.port, targetPort: service.port, protocol: 'TCP' }],
    },
  } satisfies IService;
}
