// The write rules of the generic registry (k8s.io/apiserver pkg/registry/generic/registry/store.go):
// system metadata, defaulting, validation, generation, optimistic concurrency, status kept out of main writes.
import { randomUUID } from 'node:crypto';
import { defaultDeployment, defaultService } from './defaults.js';
import {
  cloneObject,
  groupVersion,
  isPlainObject,
  jsonEqual,
  type KubeObject,
  type ResourceType,
} from './resources.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  internalError,
  invalid,
  notFound,
  type StatusBody,
  successStatus,
} from './status.js';
import type { ObjectStore } from './store.js';
import { validateObject } from './validate.js';

/** Options shared by writes: `dryRun` validates and answers without storing (query `dryRun=All`). */
export interface WriteOptions {
  dryRun?: boolean;
}

/** RFC 3339 at second precision, the way metav1.Time serialises. */
export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The object as served at `version`: apiVersion follows the request path, kind first, like the real server. */
export function presentObject(rt: ResourceType, version: string, obj: KubeObject): KubeObject {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = cloneObject(obj);
  return { apiVersion: groupVersion(rt.group, version), kind: rt.kind, metadata, ...rest };
}

/** Create / update / delete with the real API server's semantics, on top of an ObjectStore. */
export class Registry {
  private clusterIpCounter = 10;

  /** @param store where objects live; every committed write advances its resourceVersion. */
  constructor(readonly store: ObjectStore) {}

  /** Checks a request body's kind, apiVersion and namespace against the path; throws 400 BadRequest. */
  checkTypeMeta(rt: ResourceType, version: string, body: unknown, namespace: string): KubeObject {
    const expected = groupVersion(rt.group, version);
    if (!isPlainObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    const obj = cloneObject(body) as KubeObject;
    if (obj.kind === undefined || obj.kind === '') {
      if (!rt.builtin) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
      obj.kind = rt.kind;
    }
    if (obj.apiVersion === undefined || obj.apiVersion === '') {
      if (!rt.builtin) throw badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(body)}'`);
      obj.apiVersion = expected;
    }
    if (obj.kind !== rt.kind)
      throw badRequest(`the object provided is unrecognized (must be of type ${rt.kind})`);
    if (obj.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
      );
    }
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    const bodyNamespace = obj.metadata.namespace;
    if (bodyNamespace !== undefined && bodyNamespace !== '' && bodyNamespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    obj.metadata.namespace = namespace;
    return obj;
  }

  /** POST: stores a new object; throws 422 Invalid, 409 AlreadyExists, 500 if resourceVersion is set. */
  create(
    rt: ResourceType,
    version: string,
    namespace: string,
    body: unknown,
    opts: WriteOptions = {},
  ): KubeObject {
    const obj = this.checkTypeMeta(rt, version, body, namespace);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName)
      meta.name = `${meta.generateName}${randomUUID().replace(/-/g, '').slice(0, 5)}`;
    const name = meta.name ?? '';
    if (name === '') {
      throw invalid(rt, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    if (meta.resourceVersion)
      throw internalError('resourceVersion should not be set on objects to be created');
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    if (rt.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    const initialStatus = rt.initialStatus();
    if (initialStatus === undefined) delete obj.status;
    else obj.status = initialStatus;
    this.applyDefaults(rt, obj);
    const causes = validateObject(rt, version, presentObject(rt, version, obj));
    if (causes.length > 0) throw invalid(rt, name, causes);
    if (this.store.get(rt, namespace, name)) throw alreadyExists(rt, name);
    return opts.dryRun ? obj : this.store.commit(rt, toStorage(rt, obj));
  }

  /**
   * PUT / PATCH of the main resource: `candidate` replaces everything but system metadata and status.
   * Throws 404, 409 Conflict on a stale resourceVersion, 422 Invalid (also for a CRD without resourceVersion).
   */
  update(
    rt: ResourceType,
    version: string,
    namespace: string,
    name: string,
    candidate: KubeObject,
    opts: WriteOptions = {},
  ): KubeObject {
    const old = this.getOrThrow(rt, namespace, name);
    this.checkPrecondition(rt, old, candidate.metadata.resourceVersion);
    const next = cloneObject(candidate);
    next.metadata = { ...next.metadata, ...systemMeta(old) };
    if (old.status === undefined) delete next.status;
    else next.status = cloneObject(old.status);
    if (rt.plural === 'services') preserveClusterIp(old, next);
    this.applyDefaults(rt, next);
    if (rt.hasGeneration)
      next.metadata.generation = (old.metadata.generation ?? 1) + (specChanged(rt, old, next) ? 1 : 0);
    else delete next.metadata.generation;
    const causes = validateObject(
      rt,
      version,
      presentObject(rt, version, next),
      presentObject(rt, version, old),
    );
    if (causes.length > 0) throw invalid(rt, name, causes);
    return this.commitIfChanged(rt, old, next, opts);
  }

  /** PUT / PATCH of `/status`: only `candidate.status` is taken; generation never changes. */
  updateStatus(
    rt: ResourceType,
    namespace: string,
    name: string,
    candidate: KubeObject,
    opts: WriteOptions = {},
  ): KubeObject {
    const old = this.getOrThrow(rt, namespace, name);
    this.checkPrecondition(rt, old, candidate.metadata.resourceVersion);
    const next = cloneObject(old);
    if (candidate.status === undefined) delete next.status;
    else next.status = cloneObject(candidate.status);
    return this.commitIfChanged(rt, old, next, opts);
  }

  /** DELETE: a Success Status (or the object, for Services); 409 if preconditions fail, 404 if missing. */
  delete(
    rt: ResourceType,
    namespace: string,
    name: string,
    options: unknown,
    opts: WriteOptions = {},
  ): StatusBody | KubeObject {
    const old = this.getOrThrow(rt, namespace, name);
    const preconditions =
      isPlainObject(options) && isPlainObject(options.preconditions) ? options.preconditions : {};
    if (typeof preconditions.uid === 'string' && preconditions.uid !== old.metadata.uid) {
      const why = `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata.uid}`;
      throw conflict(rt, name, why);
    }
    const rv = preconditions.resourceVersion;
    if (typeof rv === 'string' && rv !== old.metadata.resourceVersion) {
      const why = `the ResourceVersion in the precondition (${rv}) does not match the ResourceVersion in record (${old.metadata.resourceVersion}). The object might have been modified`;
      throw conflict(rt, name, why);
    }
    if (!opts.dryRun) this.store.remove(rt, namespace, name);
    return rt.deleteReturnsObject ? old : successStatus(rt, name, old.metadata.uid ?? '');
  }

  /**
   * Direct store write for tests (no HTTP, no validation, no preconditions): like a human's `kubectl edit`,
   * it keeps uid/creationTimestamp, bumps generation on a spec change and the resourceVersion always. Status is
   * taken from `obj` when given, else kept. Throws Error without metadata.name / metadata.namespace.
   */
  put(rt: ResourceType, obj: KubeObject): KubeObject {
    const { name, namespace } = obj.metadata ?? {};
    if (!name || !namespace) throw new Error('putObject: metadata.name and metadata.namespace are required');
    const old = this.store.get(rt, namespace, name);
    const next = cloneObject(obj);
    next.metadata.uid = old?.metadata.uid ?? next.metadata.uid ?? randomUUID();
    next.metadata.creationTimestamp =
      old?.metadata.creationTimestamp ?? next.metadata.creationTimestamp ?? nowTimestamp();
    if (next.status === undefined) {
      const status = old ? old.status : rt.initialStatus();
      if (status !== undefined) next.status = status;
    }
    this.applyDefaults(rt, next);
    if (!rt.hasGeneration) delete next.metadata.generation;
    else
      next.metadata.generation = old
        ? (old.metadata.generation ?? 1) + (specChanged(rt, old, next) ? 1 : 0)
        : 1;
    return this.store.commit(rt, toStorage(rt, next));
  }

  /** The stored object or a 404 NotFound KubeStatusError. */
  getOrThrow(rt: ResourceType, namespace: string, name: string): KubeObject {
    const found = this.store.get(rt, namespace, name);
    if (!found) throw notFound(rt, name);
    return found;
  }

  /** Fills server defaults of the built-in kinds in place (Deployments, Services). */
  applyDefaults(rt: ResourceType, obj: KubeObject): void {
    if (rt.plural === 'deployments') defaultDeployment(obj);
    if (rt.plural === 'services') defaultService(obj, () => this.allocateClusterIp());
  }

  private checkPrecondition(rt: ResourceType, old: KubeObject, resourceVersion: string | undefined): void {
    const name = old.metadata.name ?? '';
    if (resourceVersion === undefined || resourceVersion === '') {
      // Built-in strategies allow unconditional update; the CRD strategy does not.
      if (rt.builtin) return;
      throw invalid(rt, name, [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    if (resourceVersion !== old.metadata.resourceVersion) throw conflict(rt, name);
  }

  private commitIfChanged(
    rt: ResourceType,
    old: KubeObject,
    next: KubeObject,
    opts: WriteOptions,
  ): KubeObject {
    const stored = toStorage(rt, next);
    stored.metadata.resourceVersion = old.metadata.resourceVersion;
    // etcd3's GuaranteedUpdate skips the write (and keeps the resourceVersion) when nothing changed.
    if (jsonEqual(stored, old) || opts.dryRun) return stored;
    return this.store.commit(rt, stored);
  }

  private allocateClusterIp(): string {
    this.clusterIpCounter += 1;
    return `10.96.${Math.floor(this.clusterIpCounter / 250)}.${this.clusterIpCounter % 250}`;
  }
}

function systemMeta(old: KubeObject): Record<string, unknown> {
  const { name, namespace, uid, creationTimestamp } = old.metadata;
  return { name, namespace, uid, creationTimestamp };
}

function preserveClusterIp(old: KubeObject, next: KubeObject): void {
  const spec = isPlainObject(next.spec) ? next.spec : {};
  if ((spec.clusterIP === undefined || spec.clusterIP === '') && old.spec?.clusterIP !== undefined) {
    spec.clusterIP = old.spec.clusterIP;
    if (spec.clusterIPs === undefined) spec.clusterIPs = old.spec.clusterIPs;
  }
  next.spec = spec;
}

/** Deployments bump generation on any spec change; custom objects on any change outside metadata/status. */
function specChanged(rt: ResourceType, old: KubeObject, next: KubeObject): boolean {
  if (rt.builtin) return !jsonEqual(old.spec, next.spec);
  const strip = ({ metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest }: KubeObject) => rest;
  return !jsonEqual(strip(old), strip(next));
}

/** Objects are stored at the preferred version; all served versions of these kinds share one schema. */
function toStorage(rt: ResourceType, obj: KubeObject): KubeObject {
  return presentObject(rt, rt.versions[0] ?? 'v1', obj);
}
