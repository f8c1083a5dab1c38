// Server-side defaulting of the built-in kinds (k8s.io/kubernetes pkg/apis/{apps,core}/v1/defaults.go), so
// what a client reads back carries the same extra fields a real cluster adds.
import { isPlainObject, type KubeObject } from './resources.js';

type Json = Record<string, unknown>;

function objectAt(parent: Json, field: string): Json {
  const existing = parent[field];
  if (isPlainObject(existing)) return existing;
  const created: Json = {};
  parent[field] = created;
  return created;
}

function setDefault(target: Json, field: string, value: unknown): void {
  if (target[field] === undefined || target[field] === null) target[field] = value;
}

function defaultContainer(container: unknown): void {
  if (!isPlainObject(container)) return;
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'resources', {});
  const image = typeof container.image === 'string' ? container.image : '';
  const lastPart = image.split('/').pop() ?? '';
  const tag = lastPart.includes(':') ? lastPart.split(':').pop() : undefined;
  setDefault(container, 'imagePullPolicy', tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent');
  if (Array.isArray(container.ports)) {
    for (const port of container.ports) if (isPlainObject(port)) setDefault(port, 'protocol', 'TCP');
  }
}

function defaultPodSpec(podSpec: Json): void {
  setDefault(podSpec, 'restartPolicy', 'Always');
  setDefault(podSpec, 'terminationGracePeriodSeconds', 30);
  setDefault(podSpec, 'dnsPolicy', 'ClusterFirst');
  setDefault(podSpec, 'securityContext', {});
  setDefault(podSpec, 'schedulerName', 'default-scheduler');
  for (const field of ['containers', 'initContainers']) {
    const list = podSpec[field];
    if (Array.isArray(list)) list.forEach(defaultContainer);
  }
}

/** Fills apps/v1 Deployment defaults in place (replicas 1, RollingUpdate 25%/25%, pod template defaults). */
export function defaultDeployment(obj: KubeObject): void {
  const spec = objectAt(obj as Json, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  const strategy = objectAt(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = objectAt(strategy, 'rollingUpdate');
    setDefault(rollingUpdate, 'maxUnavailable', '25%');
    setDefault(rollingUpdate, 'maxSurge', '25%');
  }
  const template = objectAt(spec, 'template');
  objectAt(template, 'metadata');
  defaultPodSpec(objectAt(template, 'spec'));
}

/**
 * Fills core/v1 Service defaults in place (ClusterIP type, TCP, targetPort = port, single-stack IPv4).
 * `allocateClusterIp` is called only when the Service has no cluster IP yet.
 */
export function defaultService(obj: KubeObject, allocateClusterIp: () => string): void {
  const spec = objectAt(obj as Json, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isPlainObject(port)) continue;
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
    }
  }
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = allocateClusterIp();
    setDefault(spec, 'clusterIPs', [spec.clusterIP]);
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
}
