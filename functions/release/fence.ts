import { ReleaseConflictError } from './errors.js';
import type { Cluster } from './ports.js';

/** Thrown from a plan to hand a re-plan back to the fence. */
const REPLAN = Symbol('replan');

/** Attempts of one guarded edit, re-plans included (the adapter's own bound). */
const MAX_ATTEMPTS = 5;

/**
 * Wraps a Cluster so `fence()` (the lock renewal) runs before every write and before every re-planned
 * attempt of an edit — the adapter re-plans after a 409 or a failed test op, and a re-plan made after
 * the lock was lost must not land. Reads pass through. `summary` names the operation in errors.
 */
export function fencedCluster(cluster: Cluster, fence: () => Promise<void>, summary: string): Cluster {
  return {
    read: (ref) => cluster.read(ref),
    list: (kind, namespace, labelSelector) => cluster.list(kind, namespace, labelSelector),
    create: async (object) => {
      await fence();
      return cluster.create(object);
    },
    edit: async (ref, plan) => {
      for (let attempt = 1; ; attempt++) {
        await fence();
        // A plan after a non-empty one means that patch failed (409, test op): the re-plan waits
        // for the fence. A plan after an empty one wrote nothing (the adapter confirming an empty
        // plan on a fresh read), so it is still covered by the fence above.
        let wrotePlan = false;
        try {
          return await cluster.edit(ref, (current) => {
            if (wrotePlan) throw REPLAN;
            const ops = plan(current);
            wrotePlan = ops.length > 0;
            return ops;
          });
        } catch (error) {
          if (error !== REPLAN) throw error;
          if (attempt >= MAX_ATTEMPTS) {
            throw new ReleaseConflictError(
              `${summary}: ${ref.kind} ${ref.name} kept changing underneath gray; retry`,
            );
          }
        }
      }
    },
    remove: async (ref) => {
      await fence();
      return cluster.remove(ref);
    },
  };
}
