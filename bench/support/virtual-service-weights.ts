// The seed's address-service VirtualService as the weight-shift benches use it: a raw JSON PATCH of
// its two default-route weights (the floor) and a check of the weights stored on the server.
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiConfiguration } from '../../functions/kubernetes/api-configuration.js';
import type { Cluster } from '../../functions/release/ports.js';
import type { KubeApiServer } from '../../test/support/kube-api-server/index.js';

export const SERVICE = 'address-service';
const NAMESPACE = 'happyride';
const VS = `${SERVICE}-deployment`;

interface Route {
  name?: string;
  route: { destination: { subset: string }; weight?: number }[];
}

/** Raw patches of, and checks on, the address-service VirtualService stored on `kube`. */
export interface VirtualServiceWeights {
  /** client-node over one kept-alive pool, as gray connects (functions/kubernetes/api-configuration.ts). */
  pooled: CustomObjectsApi;
  /** client-node's default client (makeApiClient: a new TLS connection per request). */
  plain: CustomObjectsApi;
  /** One raw JSON PATCH (two `replace` ops) giving green `green` percent and blue the rest. */
  patch(api: CustomObjectsApi, green: number): Promise<void>;
  /** Throws unless the stored default route gives green `green` percent and blue the rest. */
  expect(green: number): void;
}

/** Reads the route layout once from `kube` (throws if the VirtualService is missing). */
export function virtualServiceWeights(kube: KubeApiServer): VirtualServiceWeights {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeConfigYaml(NAMESPACE));
  const routes = (): Route[] => {
    const vs = kube.getObject('virtualservices', NAMESPACE, VS);
    if (!vs) throw new Error(`bench: VirtualService ${VS} is missing`);
    return (vs.spec as { http: Route[] }).http;
  };
  const http = routes();
  const index = http.findIndex((r) => r.name === `${SERVICE}-http`);
  const at = (slot: string) => http[index]?.route.findIndex((d) => d.destination.subset === slot);
  return {
    pooled: new CustomObjectsApi(apiConfiguration(kubeConfig)),
    plain: kubeConfig.makeApiClient(CustomObjectsApi),
    patch: async (api, green) => {
      await api.patchNamespacedCustomObject(
        {
          group: 'networking.istio.io',
          version: 'v1beta1',
          namespace: NAMESPACE,
          plural: 'virtualservices',
          name: VS,
          body: [
            { op: 'replace', path: `/spec/http/${index}/route/${at('blue')}/weight`, value: 100 - green },
            { op: 'replace', path: `/spec/http/${index}/route/${at('green')}/weight`, value: green },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    },
    expect: (green) => {
      const live = Object.fromEntries(
        routes()[index]?.route.map((d) => [d.destination.subset, d.weight]) ?? [],
      );
      if (live.green !== green || live.blue !== 100 - green) {
        throw new Error(`bench: expected green ${green}, the VirtualService has ${JSON.stringify(live)}`);
      }
    },
  };
}

/** Wraps a Cluster to call `onPatched` when an edit of the VirtualService returned (its PATCH answered). */
export function notingPatches(cluster: Cluster, onPatched: () => void): Cluster {
  return {
    read: (ref) => cluster.read(ref),
    list: (kind, namespace, selector) => cluster.list(kind, namespace, selector),
    create: (object) => cluster.create(object),
    remove: (ref) => cluster.remove(ref),
    edit: async (ref, plan) => {
      const after = await cluster.edit(ref, plan);
      if (ref.kind === 'VirtualService') onPatched();
      return after;
    },
  };
}

/** Green's share in gray's shifts (10 / 20 %) and in the floor's raw PATCHes (14 / 16 %), by iteration. */
export const grayWeight = (i: number): number => (i % 2 === 0 ? 10 : 20);
export const rawWeight = (i: number): number => (i % 2 === 0 ? 14 : 16);

/**
 * The pair every weight-shift bench interleaves: `gray` runs `shift(green)` and records, after
 * `warmup` calls, the ms from its start until `onPatched()` was last called (wire it to the
 * VirtualService PATCH's answer: notingPatches) into `untilPatched`; `raw` is one raw PATCH over the
 * pooled client. Both check the stored weights after every call (throwing if they are wrong).
 */
export function shiftVariants(
  vs: VirtualServiceWeights,
  warmup: number,
  shift: (green: number) => Promise<void>,
) {
  let patchedAt = 0;
  let started = 0;
  const untilPatched: number[] = [];
  return {
    untilPatched,
    onPatched: (): void => {
      patchedAt = performance.now();
    },
    gray: {
      run: async (i: number) => {
        started = performance.now();
        await shift(grayWeight(i));
      },
      finish: async (i: number) => {
        vs.expect(grayWeight(i));
        if (i >= warmup) untilPatched.push(patchedAt - started);
      },
    },
    raw: {
      run: (i: number) => vs.patch(vs.pooled, rawWeight(i)),
      finish: async (i: number) => vs.expect(rawWeight(i)),
    },
  };
}
