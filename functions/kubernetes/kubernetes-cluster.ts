import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import pRetry from 'p-retry';
import { ReleaseConflictError, ResourceNotFoundError } from '../release/errors.js';
import type { Cluster, JsonPatchOp, KubeObject, ObjectKind, ObjectRef, PatchPlan } from '../release/ports.js';
import { apiConfiguration } from './api-configuration.js';
import {
  apiStatusCode,
  isEditConflict,
  isTransient,
  retryAfterSeconds,
  translateApiError,
} from './api-errors.js';
import { CoreServiceApi } from './core-service-api.js';

/** API group, version and plural of each kind gray touches (Istio at v1beta1, as the seed writes it). */
const RESOURCES: Record<ObjectKind, { group: string; version: string; plural: string }> = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments' },
  Service: { group: '', version: 'v1', plural: 'services' },
  DestinationRule: { group: 'networking.istio.io', version: 'v1beta1', plural: 'destinationrules' },
  VirtualService: { group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices' },
};

const refKey = (ref: ObjectRef) => `${ref.kind}/${ref.namespace}/${ref.name}`;

/** True when `existing` carries every label `intended` sets: the object an earlier attempt created. */
function sameLabels(existing: KubeObject, intended: KubeObject): boolean {
  const labels = existing.metadata.labels ?? {};
  return Object.entries(intended.metadata.labels ?? {}).every(([key, value]) => labels[key] === value);
}

/** Bounded retries of a read-plan-patch cycle on 409 / failed test ops (issue: "≤ 5"). */
export const MAX_EDIT_ATTEMPTS = 5;

/** Where a cluster's credentials come from: a kubeconfig, or EKS (renewed once on a 401). */
export interface KubeConfigSource {
  /** Returns the KubeConfig to use now (cached by the source). */
  load(): Promise<KubeConfig>;
  /** Called once after a 401 so the next `load()` mints fresh credentials; absent for static kubeconfigs. */
  renew?(): Promise<void>;
}

/** Options of KubernetesCluster: retry budget for transient faults, in milliseconds. */
export interface KubernetesClusterOptions {
  /** Longest time spent retrying one request (429/5xx/resets), ms. Default 30,000. */
  retryBudgetMs?: number;
  /** Longest wait for one request's answer, ms, before it counts as a transient fault. Default 15,000. */
  requestTimeoutMs?: number;
  /** First backoff delay, ms (doubles each retry). Default 200. */
  minBackoffMs?: number;
  /** Sleep used for Retry-After and conflict backoff (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The Cluster port over the real Kubernetes API with @kubernetes/client-node: Istio objects and
 * Deployments through CustomObjectsApi (raw JSON, which the JSON Patch planning needs), Services
 * through CoreServiceApi (raw JSON too, on client-node's transport, without CoreV1Api's bundle
 * weight). Transient faults are retried with backoff honouring Retry-After; a 401 renews credentials
 * once; API errors become GrayErrors.
 */
export class KubernetesCluster implements Cluster {
  private clients?: { config: KubeConfig; custom: CustomObjectsApi; core: CoreServiceApi };
  private readonly sleep: (ms: number) => Promise<void>;
  /** Each object as this adapter last read or wrote it (bounded), to plan edits without a GET. */
  private readonly seen = new Map<string, KubeObject>();

  /** `source` yields the KubeConfig; see KubernetesClusterOptions for retry settings. */
  constructor(
    private readonly source: KubeConfigSource,
    private readonly options: KubernetesClusterOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * API clients for the source's current KubeConfig. The source is asked on every call (it caches),
   * so an EKS token renewed on schedule is picked up without first meeting a 401.
   */
  private async api(): Promise<{ custom: CustomObjectsApi; core: CoreServiceApi }> {
    const config = await this.source.load();
    if (this.clients?.config !== config) {
      const configuration = apiConfiguration(
        config,
        this.options.requestTimeoutMs ? { timeoutMs: this.options.requestTimeoutMs } : {},
      );
      this.clients = {
        config,
        custom: new CustomObjectsApi(configuration),
        core: new CoreServiceApi(configuration),
      };
    }
    return this.clients;
  }

  /** Runs one API call with transient-fault retries and a single credential renewal on 401. */
  private async call<T>(
    request: (api: { custom: CustomObjectsApi; core: CoreServiceApi }) => Promise<T>,
  ): Promise<T> {
    let renewed = false;
    return pRetry(
      async () => {
        try {
          return await request(await this.api());
        } catch (error) {
          if (apiStatusCode(error) === 401 && this.source.renew && !renewed) {
            renewed = true;
            await this.source.renew();
            return await request(await this.api());
          }
          throw error;
        }
      },
      {
        retries: 6,
        minTimeout: this.options.minBackoffMs ?? 200,
        factor: 2,
        maxRetryTime: this.options.retryBudgetMs ?? 30_000,
        shouldRetry: ({ error }) => isTransient(error),
        onFailedAttempt: async ({ error }) => {
          const wait = retryAfterSeconds(error);
          if (wait !== undefined && isTransient(error)) await this.sleep(Math.min(wait, 30) * 1000);
        },
      },
    );
  }

  /** Remembers `object` as the latest state of its ref (oldest entries dropped beyond 500). */
  private remember(ref: ObjectRef, object: KubeObject): KubeObject {
    const k = refKey(ref);
    this.seen.delete(k);
    this.seen.set(k, structuredClone(object));
    if (this.seen.size > 500) this.seen.delete(this.seen.keys().next().value as string);
    return object;
  }

  private describe(verb: string, ref: ObjectRef): string {
    return `${verb} ${ref.kind} ${ref.namespace}/${ref.name}`;
  }

  /** Reads an object as raw JSON; undefined on 404. Throws GrayErrors for other failures. */
  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.call(async ({ custom, core }) => {
        if (ref.kind === 'Service') {
          return await core.readNamespacedService({ name: ref.name, namespace: ref.namespace });
        }
        const { group, version, plural } = RESOURCES[ref.kind];
        return this.remember(
          ref,
          (await custom.getNamespacedCustomObject({
            group,
            version,
            namespace: ref.namespace,
            plural,
            name: ref.name,
          })) as KubeObject,
        );
      });
    } catch (error) {
      if (apiStatusCode(error) === 404) {
        this.seen.delete(refKey(ref));
        return undefined;
      }
      throw translateApiError(error, this.describe('read', ref));
    }
  }

  /** One LIST of `kind` in `namespace` by label selector; the items as raw JSON. Throws GrayErrors. */
  async list(kind: ObjectKind, namespace: string, labelSelector: string): Promise<KubeObject[]> {
    if (kind === 'Service') throw new Error('internal: gray never lists Services');
    const { group, version, plural } = RESOURCES[kind];
    try {
      const answer = (await this.call(({ custom }) =>
        custom.listNamespacedCustomObject({ group, version, namespace, plural, labelSelector }),
      )) as { items?: KubeObject[] };
      const items = answer.items ?? [];
      for (const item of items) {
        // A list's items carry no kind/apiVersion on the wire; put them back so they read like a GET.
        item.kind ??= kind;
        item.apiVersion ??= group ? `${group}/${version}` : version;
        this.remember({ kind, namespace, name: item.metadata.name }, item);
      }
      return items;
    } catch (error) {
      throw translateApiError(error, `list ${kind} ${namespace} (${labelSelector})`);
    }
  }

  /** Creates an object; 409 AlreadyExists → ReleaseConflictError. */
  async create(object: KubeObject): Promise<KubeObject> {
    const ref = {
      kind: object.kind as ObjectKind,
      namespace: object.metadata.namespace ?? 'default',
      name: object.metadata.name,
    };
    let attempts = 0;
    try {
      return await this.call(async ({ custom, core }) => {
        attempts++;
        if (ref.kind === 'Service') {
          return await core.createNamespacedService({ namespace: ref.namespace, body: object });
        }
        const { group, version, plural } = RESOURCES[ref.kind];
        return this.remember(
          ref,
          (await custom.createNamespacedCustomObject({
            group,
            version,
            namespace: ref.namespace,
            plural,
            body: object,
          })) as KubeObject,
        );
      });
    } catch (error) {
      if (apiStatusCode(error) === 409 && attempts > 1) {
        // An earlier attempt was applied but its answer was lost (reset, timeout): the object is ours.
        const existing = await this.read(ref);
        if (existing && sameLabels(existing, object)) return existing;
      }
      if (apiStatusCode(error) === 409) {
        throw new ReleaseConflictError(
          `${this.describe('create', ref)}: it already exists (someone else created it); retry`,
          { cause: error },
        );
      }
      throw translateApiError(error, this.describe('create', ref));
    }
  }

  /** Applies a JSON Patch (application/json-patch+json; never strategic merge) and returns the result. */
  private patch(ref: ObjectRef, ops: JsonPatchOp[]): Promise<KubeObject> {
    if (ref.kind === 'Service') throw new Error('internal: gray never patches Services');
    const { group, version, plural } = RESOURCES[ref.kind];
    return this.call(async ({ custom }) =>
      this.remember(
        ref,
        (await custom.patchNamespacedCustomObject(
          { group, version, namespace: ref.namespace, plural, name: ref.name, body: ops },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        )) as KubeObject,
      ),
    );
  }

  /**
   * Read → plan → guarded JSON Patch, re-planned on 409 / failed tests up to 5 attempts. When this
   * adapter already holds the object (its last read or write), the first plan is made on that copy
   * and the patch also tests its resourceVersion, saving the GET: a stale copy fails the test and the
   * edit goes on as if unplanned; an empty plan is only trusted on a fresh read.
   */
  async edit(ref: ObjectRef, plan: PatchPlan): Promise<KubeObject> {
    const known = ref.kind === 'Service' ? undefined : this.seen.get(refKey(ref));
    const resourceVersion = known?.metadata.resourceVersion;
    if (known && resourceVersion) {
      let ops: JsonPatchOp[] = [];
      try {
        ops = plan(structuredClone(known));
      } catch {
        // A plan that refuses the last copy (a route missing from it, say) is judged on a fresh read.
      }
      if (ops.length > 0) {
        try {
          return await this.patch(ref, [
            { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
            ...ops,
          ]);
        } catch (error) {
          if (!isEditConflict(error) && apiStatusCode(error) !== 404) {
            throw translateApiError(error, this.describe('patch', ref));
          }
        }
      }
      this.seen.delete(refKey(ref));
    }
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(ref);
      if (!current) throw new ResourceNotFoundError(ref.kind, ref.namespace, ref.name);
      const ops = plan(current);
      if (ops.length === 0) return current;
      try {
        return await this.patch(ref, ops);
      } catch (error) {
        if (!isEditConflict(error)) throw translateApiError(error, this.describe('patch', ref));
        if (attempt >= MAX_EDIT_ATTEMPTS) {
          throw new ReleaseConflictError(
            `${this.describe('patch', ref)}: it kept changing underneath gray (${attempt} conflicts); check who else edits it, then retry`,
            { cause: error },
          );
        }
        await this.sleep(25 * attempt);
      }
    }
  }

  /** Deletes an object; a missing one is fine. */
  async remove(ref: ObjectRef): Promise<void> {
    try {
      await this.call(async ({ custom, core }) => {
        if (ref.kind === 'Service') {
          await core.deleteNamespacedService({ name: ref.name, namespace: ref.namespace });
          return;
        }
        const { group, version, plural } = RESOURCES[ref.kind];
        await custom.deleteNamespacedCustomObject({
          group,
          version,
          namespace: ref.namespace,
          plural,
          name: ref.name,
        });
      });
    } catch (error) {
      if (apiStatusCode(error) === 404) return;
      throw translateApiError(error, this.describe('delete', ref));
    } finally {
      this.seen.delete(refKey(ref));
    }
  }
}
