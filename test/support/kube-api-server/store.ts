// The server's "etcd": objects by resource, namespace and name, and one global resourceVersion counter.
import { cloneObject, type KubeObject, type ResourceType } from './resources.js';

/** Called after every committed write; `after` is undefined for a delete, `before` for a create. */
export type WriteListener = (
  rt: ResourceType,
  before: KubeObject | undefined,
  after: KubeObject | undefined,
) => void;

/** In-memory object storage; every read and write copies, so callers never share references with it. */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly listeners: WriteListener[] = [];
  // Starts well above 0 so a resourceVersion never looks like a small index to a careless client.
  private revision = 1000;

  /** The last resourceVersion handed out, as the decimal string the API uses. */
  currentResourceVersion(): string {
    return String(this.revision);
  }

  /** Registers a listener that runs synchronously after each commit (the rollout controller uses it). */
  onWrite(listener: WriteListener): void {
    this.listeners.push(listener);
  }

  /** A copy of the stored object, or undefined. */
  get(rt: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const found = this.objects.get(key(rt, namespace, name));
    return found ? cloneObject(found) : undefined;
  }

  /** Copies of the objects of one resource, in one namespace or all, sorted by namespace then name. */
  list(rt: ResourceType, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${rt.plural}/` : `${rt.plural}/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => cloneObject(obj));
  }

  /** The namespaces that hold at least one object, sorted. */
  namespaces(): string[] {
    return [...new Set([...this.objects.keys()].map((k) => k.split('/')[1] ?? ''))].sort();
  }

  /** Stores `obj` under its namespace/name with a fresh resourceVersion; returns the stored copy. */
  commit(rt: ResourceType, obj: KubeObject): KubeObject {
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    const k = key(rt, namespace, name);
    const before = this.objects.get(k);
    const stored = cloneObject(obj);
    this.revision += 1;
    stored.metadata.resourceVersion = String(this.revision);
    this.objects.set(k, stored);
    this.emit(rt, before ? cloneObject(before) : undefined, cloneObject(stored));
    return cloneObject(stored);
  }

  /** Removes an object (a write: the revision advances); returns the removed copy or undefined. */
  remove(rt: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const k = key(rt, namespace, name);
    const before = this.objects.get(k);
    if (!before) return undefined;
    this.objects.delete(k);
    this.revision += 1;
    this.emit(rt, cloneObject(before), undefined);
    return cloneObject(before);
  }

  private emit(rt: ResourceType, before: KubeObject | undefined, after: KubeObject | undefined): void {
    for (const listener of this.listeners) listener(rt, before, after);
  }
}

function key(rt: ResourceType, namespace: string, name: string): string {
  return `${rt.plural}/${namespace}/${name}`;
}
