import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const infra = join(import.meta.dirname, '..', '..', '..', 'infra');
const read = (path: string): string => readFileSync(join(infra, path), 'utf8');
const yamlOf = (path: string): unknown => parse(read(path));

const FQDN = 'address-service.happyride.svc.cluster.local';
const SLOT_LABEL = 'app.vividcode.io/deployment-type';
const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

type Env = Record<string, string>;

// Every Go template expression the helmfile may use, rendered the way helmfile's sprig functions
// would; an expression missing here fails the test, so the table follows the file.
const HELMFILE_EXPRESSIONS: Record<string, (env: Env) => string> = {
  'env "NAMESPACE" | default "happyride"': (env) => env.NAMESPACE || 'happyride',
  'requiredEnv "DEPLOYMENT_TYPE"': (env) => required(env, 'DEPLOYMENT_TYPE'),
  'requiredEnv "DEPLOYMENT_TYPE" | quote': (env) => JSON.stringify(required(env, 'DEPLOYMENT_TYPE')),
  'requiredEnv "ADDRESS_SERVICE_VERSION" | quote': (env) =>
    JSON.stringify(required(env, 'ADDRESS_SERVICE_VERSION')),
  'printf "%shappyride/happyride-address-service" (env "CONTAINER_REGISTRY" | default "" ) | quote': (env) =>
    JSON.stringify(`${env.CONTAINER_REGISTRY ?? ''}happyride/happyride-address-service`),
};

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`required env var \`${name}\` is not set`);
  return value;
}

function renderHelmfile(env: Env): unknown {
  const text = read('helmfile.yaml').replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_match, expression: string) => {
    const render = HELMFILE_EXPRESSIONS[expression];
    if (!render) throw new Error(`helmfile.yaml: unknown template expression {{ ${expression} }}`);
    return render(env);
  });
  return parse(text);
}

/** The body of one `define` in a Helm template file, without its define/end lines. */
function defineBody(tpl: string, name: string): string {
  const match = tpl.match(new RegExp(`\\{\\{- define "${name}" -\\}\\}\\n([\\s\\S]*?)\\n\\{\\{- end \\}\\}`));
  if (!match?.[1]) throw new Error(`no define "${name}"`);
  return match[1];
}

/** Label keys a helper emits, in order, following `include`s of other helpers in the same file. */
function labelKeys(tpl: string, name: string): string[] {
  return defineBody(tpl, name)
    .split('\n')
    .flatMap((line) => {
      const include = line.match(/^\{\{ include "([^"]+)" \. \}\}$/);
      if (include?.[1]) return labelKeys(tpl, include[1]);
      const key = line.match(/^([a-z0-9.\-/]+):/);
      return key?.[1] ? [key[1]] : [];
    });
}

describe('infra/istio', () => {
  it('destination-rule.yaml is the seed DestinationRule with blue and green subsets by slot label', () => {
    const object = yamlOf('istio/destination-rule.yaml');
    const rule = new DestinationRule(object as ConstructorParameters<typeof DestinationRule>[0]);
    rule.validate();
    expect(object).toEqual({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'address-service' },
      spec: {
        host: FQDN,
        subsets: [
          { name: 'blue', labels: { [SLOT_LABEL]: 'blue' } },
          { name: 'green', labels: { [SLOT_LABEL]: 'green' } },
        ],
      },
    });
  });

  it('virtual-service.yaml routes address-service-http blue 100 / green 0', () => {
    const object = yamlOf('istio/virtual-service.yaml');
    new VirtualService(object as ConstructorParameters<typeof VirtualService>[0]).validate();
    expect(object).toEqual({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'address-service-deployment' },
      spec: {
        hosts: [FQDN],
        http: [
          {
            name: 'address-service-http',
            route: [
              { destination: { host: FQDN, subset: 'blue' }, weight: 100 },
              { destination: { host: FQDN, subset: 'green' }, weight: 0 },
            ],
          },
        ],
      },
    });
  });

  it('virtual-service-header-route.yaml sends x-latest-version: "true" to green, the rest to blue', () => {
    const object = yamlOf('istio/virtual-service-header-route.yaml');
    new VirtualService(object as ConstructorParameters<typeof VirtualService>[0]).validate();
    expect(object).toEqual({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'address-service-deployment' },
      spec: {
        hosts: [FQDN],
        http: [
          {
            name: 'latest',
            match: [{ headers: { 'x-latest-version': { exact: 'true' } } }],
            route: [{ destination: { host: FQDN, subset: 'green' } }],
          },
          { name: 'current', route: [{ destination: { host: FQDN, subset: 'blue' } }] },
        ],
      },
    });
  });

  it('rejects a weight given as a string, so the schema check can fail', () => {
    const object = yamlOf('istio/virtual-service.yaml') as {
      spec: { http: { route: { weight: unknown }[] }[] };
    };
    object.spec.http[0]!.route[0]!.weight = '100';
    const vs = new VirtualService(object as ConstructorParameters<typeof VirtualService>[0]);
    expect(() => vs.validate()).toThrow(/weight must be integer/);
  });
});

describe('infra/kubernetes/rbac.yaml', () => {
  const documents = parseAllDocuments(read('kubernetes/rbac.yaml')).map(
    (d) => d.toJS() as Record<string, unknown>,
  );

  it('holds the operator Role and binding in happyride and the Prometheus query pair in istio-system, nothing cluster-wide', () => {
    expect(documents.map((d) => [d.kind, (d.metadata as { namespace?: string }).namespace])).toEqual([
      ['Role', 'happyride'],
      ['RoleBinding', 'happyride'],
      ['Role', 'istio-system'],
      ['RoleBinding', 'istio-system'],
    ]);
    new Role(documents[2] as ConstructorParameters<typeof Role>[0]).validate();
    new RoleBinding(documents[3] as ConstructorParameters<typeof RoleBinding>[0]).validate();
    new Role(documents[0] as ConstructorParameters<typeof Role>[0]).validate();
    new RoleBinding(documents[1] as ConstructorParameters<typeof RoleBinding>[0]).validate();
  });

  it('grants exactly the verbs gray needs on deployments, services and the Istio objects', () => {
    expect((documents[0] as { rules: unknown }).rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ALL_VERBS },
      { apiGroups: ['apps'], resources: ['deployments/status'], verbs: ['get'] },
      { apiGroups: [''], resources: ['services'], verbs: ALL_VERBS },
      {
        apiGroups: ['networking.istio.io'],
        resources: ['destinationrules', 'virtualservices'],
        verbs: ALL_VERBS,
      },
    ]);
  });

  it('lets the canary analysis get only the Prometheus Service proxy', () => {
    expect((documents[2] as { rules: unknown }).rules).toEqual([
      {
        apiGroups: [''],
        resources: ['services/proxy'],
        resourceNames: ['prometheus', 'prometheus:9090'],
        verbs: ['get'],
      },
    ]);
    expect((documents[3] as { subjects: unknown }).subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'gray-operators' },
    ]);
  });

  it('binds the Role to the group gray-operators', () => {
    const binding = documents[1] as { subjects: unknown; roleRef: unknown };
    expect(binding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'gray-operators' },
    ]);
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'gray-operator',
    });
  });
});

describe('infra/helmfile.yaml', () => {
  it('renders the three releases of the seed for DEPLOYMENT_TYPE=green', () => {
    const rendered = renderHelmfile({
      DEPLOYMENT_TYPE: 'green',
      ADDRESS_SERVICE_VERSION: '1.0.0-fe220c2',
      CONTAINER_REGISTRY: 'registry.example.com/',
    }) as { repositories: unknown; releases: Record<string, unknown>[] };
    expect(rendered.repositories).toEqual([{ name: 'bitnami', url: 'https://charts.bitnami.com/bitnami' }]);
    expect(rendered.releases).toEqual([
      {
        name: 'postgresql-address',
        namespace: 'happyride',
        chart: 'bitnami/postgresql',
        version: '8.10.13',
        wait: false,
        missingFileHandler: 'Warn',
        values: ['../postgresql-config.yaml', 'config.yaml'],
      },
      { name: 'address-service-common', namespace: 'happyride', chart: 'charts/address-service-common' },
      {
        name: 'address-service-green',
        namespace: 'happyride',
        chart: 'charts/address-service',
        missingFileHandler: 'Warn',
        values: [
          'config.yaml',
          'address-service-config.yaml',
          {
            deploymentType: 'green',
            appVersion: '1.0.0-fe220c2',
            image: { repository: 'registry.example.com/happyride/happyride-address-service' },
          },
        ],
      },
    ]);
  });

  it('takes the namespace from NAMESPACE and refuses to render without DEPLOYMENT_TYPE', () => {
    const rendered = renderHelmfile({
      NAMESPACE: 'rides',
      DEPLOYMENT_TYPE: 'blue',
      ADDRESS_SERVICE_VERSION: '1.0.1',
    }) as {
      releases: { namespace: string; values?: unknown[] }[];
    };
    expect(rendered.releases.map((r) => r.namespace)).toEqual(['rides', 'rides', 'rides']);
    expect(rendered.releases[2]?.values?.[2]).toEqual({
      deploymentType: 'blue',
      appVersion: '1.0.1',
      image: { repository: 'happyride/happyride-address-service' },
    });
    expect(() => renderHelmfile({ ADDRESS_SERVICE_VERSION: '1.0.1' })).toThrow(/DEPLOYMENT_TYPE/);
  });
});

describe('infra/charts/address-service', () => {
  const helpers = read('charts/address-service/templates/_helpers.tpl');

  it('has a Deployment template and no service.yaml', () => {
    expect(readdirSync(join(infra, 'charts/address-service/templates')).sort()).toEqual([
      '_helpers.tpl',
      'deployment.yaml',
    ]);
    expect(yamlOf('charts/address-service/Chart.yaml')).toMatchObject({
      name: 'address-service',
      version: '0.0.1',
    });
  });

  it('defines nameWithDeploymentType as <name>-<deploymentType>, as in the seed', () => {
    expect(defineBody(helpers, 'address-service.nameWithDeploymentType')).toBe(
      '{{- printf "%s-%s" (include "address-service.name" .) .Values.deploymentType }}',
    );
  });

  it('selects Pods by name, instance and slot label, and labels the Deployment like the seed', () => {
    expect(labelKeys(helpers, 'address-service.selectorLabelsWithDeploymentType')).toEqual([
      'app.kubernetes.io/name',
      'app.kubernetes.io/instance',
      SLOT_LABEL,
    ]);
    expect(defineBody(helpers, 'address-service.selectorLabelsWithDeploymentType')).toContain(
      `${SLOT_LABEL}: {{ .Values.deploymentType | quote }}`,
    );
    expect(defineBody(helpers, 'address-service.selectorLabels')).toContain(
      'app.kubernetes.io/instance: {{ include "address-service.nameWithDeploymentType" . }}',
    );
    expect(labelKeys(helpers, 'address-service.labels')).toEqual([
      'helm.sh/chart',
      'app.kubernetes.io/name',
      'app.kubernetes.io/instance',
      SLOT_LABEL,
      'app.kubernetes.io/version',
      'app.kubernetes.io/managed-by',
    ]);
  });

  it('names the Deployment by slot and uses the slot selector for matchLabels and Pod labels', () => {
    const deployment = read('charts/address-service/templates/deployment.yaml');
    expect(deployment).toContain(
      'kind: Deployment\nmetadata:\n  name: {{ include "address-service.nameWithDeploymentType" . }}',
    );
    expect(deployment).toContain(
      'matchLabels:\n      {{- include "address-service.selectorLabelsWithDeploymentType" . | nindent 6 }}',
    );
    expect(deployment).toContain(
      'labels:\n        {{- include "address-service.selectorLabelsWithDeploymentType" . | nindent 8 }}',
    );
  });

  it('defaults to the happyride image, two replicas and port 8080, with no slot chosen', () => {
    expect(yamlOf('charts/address-service/values.yaml')).toMatchObject({
      deploymentType: '',
      appVersion: '',
      replicaCount: 2,
      image: { repository: 'happyride/happyride-address-service', tag: '' },
      containerPort: 8080,
    });
  });
});

describe('infra/charts/address-service-common', () => {
  const helpers = read('charts/address-service-common/templates/_helpers.tpl');

  it('declares the shared Service address-service selecting only app.kubernetes.io/name', () => {
    expect(existsSync(join(infra, 'charts/address-service-common/templates/service.yaml'))).toBe(true);
    expect(defineBody(helpers, 'address-service-common.serviceName')).toBe('address-service');
    expect(labelKeys(helpers, 'address-service-common.selectorLabels')).toEqual(['app.kubernetes.io/name']);
    const service = read('charts/address-service-common/templates/service.yaml');
    expect(service).toContain(
      'kind: Service\nmetadata:\n  name: {{ include "address-service-common.serviceName" . }}',
    );
    expect(service).toContain(
      'selector:\n    {{- include "address-service-common.selectorLabels" . | nindent 4 }}',
    );
    expect(yamlOf('charts/address-service-common/values.yaml')).toEqual({
      service: { type: 'ClusterIP', port: 8080, targetPort: 'http' },
    });
  });
});
