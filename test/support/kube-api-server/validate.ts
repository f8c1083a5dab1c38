// Validation against the official OpenAPI / CRD schemas (kubernetes-models, @kubernetes-models/istio) plus
// the few semantic rules of the real apps/v1 and core/v1 validators that a blue/green tool can trip over.
import { DestinationRule as DestinationRuleV1 } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { VirtualService as VirtualServiceV1 } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { DestinationRule as DestinationRuleV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { VirtualService as VirtualServiceV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { isPlainObject, jsonEqual, type KubeObject, type ResourceType } from './resources.js';
import type { StatusCause } from './status.js';

interface Validatable {
  validate(): void;
}
type ModelFactory = (data: unknown) => Validatable;

// The model constructors are typed for their own interfaces; the server validates arbitrary JSON on purpose.
const MODELS: Record<string, ModelFactory> = {
  'apps/v1/Deployment': (d) => new Deployment(d as never),
  'v1/Service': (d) => new Service(d as never),
  'networking.istio.io/v1/VirtualService': (d) => new VirtualServiceV1(d as never),
  'networking.istio.io/v1beta1/VirtualService': (d) => new VirtualServiceV1beta1(d as never),
  'networking.istio.io/v1/DestinationRule': (d) => new DestinationRuleV1(d as never),
  'networking.istio.io/v1beta1/DestinationRule': (d) => new DestinationRuleV1beta1(d as never),
};

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Validates `obj` as `rt` at API `version`; `old` is the stored object on updates (for immutable fields).
 * Returns the causes for a 422 Invalid Status (field paths like `spec.template.spec.containers[0].name`).
 */
export function validateObject(
  rt: ResourceType,
  version: string,
  obj: KubeObject,
  old?: KubeObject,
): StatusCause[] {
  const causes = [...validateName(rt, obj.metadata.name ?? ''), ...schemaCauses(rt, version, obj)];
  if (rt.plural === 'deployments') causes.push(...deploymentCauses(obj, old));
  return causes;
}

function validateName(rt: ResourceType, name: string): StatusCause[] {
  if (rt.plural === 'services') {
    if (name.length <= 63 && DNS1035_LABEL.test(name)) return [];
    const rule =
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    return [
      { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${rule}` },
    ];
  }
  if (name.length <= 253 && DNS1123_SUBDOMAIN.test(name)) return [];
  const rule =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  return [
    { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${rule}` },
  ];
}

function schemaCauses(rt: ResourceType, version: string, obj: KubeObject): StatusCause[] {
  const factory = MODELS[`${rt.group === '' ? '' : `${rt.group}/`}${version}/${rt.kind}`];
  if (!factory) throw new Error(`kube-api-server: no schema for ${rt.kind} ${version}`);
  try {
    factory(obj).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    return errors.map((e) => causeFromAjv(e, obj));
  }
}

/** `/spec/containers/0/name` → `spec.containers[0].name`. */
function fieldPath(segments: string[]): string {
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '');
}

function valueAt(obj: unknown, segments: string[]): unknown {
  return segments.reduce<unknown>(
    (at, s) => (isPlainObject(at) || Array.isArray(at) ? (at as never)[s] : undefined),
    obj,
  );
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function causeFromAjv(e: AjvError, obj: KubeObject): StatusCause {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') {
    const field = fieldPath([...segments, String(e.params.missingProperty)]);
    return { reason: 'FieldValueRequired', field, message: 'Required value' };
  }
  const field = fieldPath(segments);
  const value = valueAt(obj, segments);
  if (e.keyword === 'type') {
    const actual = jsonType(value);
    const message = `Invalid value: "${actual}": ${field} in body must be of type ${String(e.params.type)}: "${actual}"`;
    return { reason: 'FieldValueTypeInvalid', field, message };
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return {
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed}`,
    };
  }
  return {
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${JSON.stringify(value)}: ${e.message ?? e.keyword}`,
  };
}

/** Go's `%#v` of a map[string]string, which the real validators print. */
function goStringMap(map: Record<string, unknown>): string {
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(map[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function deploymentCauses(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj.spec ?? {};
  const replicas = spec.replicas;
  if (typeof replicas === 'number' && replicas < 0) {
    const message = `Invalid value: ${replicas}: must be greater than or equal to 0`;
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.replicas', message });
  }
  const selector = isPlainObject(spec.selector) ? spec.selector : {};
  const matchLabels = isPlainObject(selector.matchLabels) ? selector.matchLabels : {};
  const template = isPlainObject(spec.template) ? spec.template : {};
  const templateMeta = isPlainObject(template.metadata) ? template.metadata : {};
  const labels = isPlainObject(templateMeta.labels) ? templateMeta.labels : {};
  if (Object.keys(matchLabels).length === 0 && !Array.isArray(selector.matchExpressions)) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.selector',
      message: 'Invalid value: "null": empty selector is invalid for deployment',
    });
  } else if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) {
    const message = `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``;
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message });
  }
  if (old && !jsonEqual(old.spec?.selector, spec.selector)) {
    const message = `Invalid value: v1.LabelSelector{MatchLabels:${goStringMap(matchLabels)}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`;
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message });
  }
  return causes;
}
