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
