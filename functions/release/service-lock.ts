/**
 * The per-service lock as operations take it: a conditional write that names the holder when busy,
 * and the record read made while the lock is taken (readAhead), kept only when provably current.
 */
import { ServiceBusyError } from './errors.js';
import type { LockAttempt, ReleaseStore } from './ports.js';
import type { OperationLock, ReleaseRecord } from './types.js';

/** Formats epoch seconds as `HH:MM` UTC for messages. */
export function clockTime(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(11, 16)} UTC`;
}

/**
 * Takes `service`'s lock for `lock` at `now` (epoch seconds), or throws ServiceBusyError naming the
 * holder: "address-service is busy: weight 25 by U123 since 10:02 UTC; wait for it to finish, then retry".
 * Returns the attempt (what the replaced lock item says of the record: LockAttempt).
 */
export async function takeServiceLock(
  store: ReleaseStore,
  service: string,
  lock: OperationLock,
  now: number,
): Promise<LockAttempt & { acquired: true }> {
  const attempt = await store.acquireLock(service, lock, now);
  if (attempt.acquired) return attempt;
  const { summary, requester, since } = attempt.holder;
  throw new ServiceBusyError(
    `${service} is busy: ${summary} by ${requester} since ${clockTime(since)}; wait for it to finish, then retry`,
  );
}

/**
 * Starts reading `service`'s record now, before its lock is taken, so the two round trips overlap.
 * The returned function, called with the lock attempt once the lock is held, gives that early read
 * when it is provably current — every record write holds the lock, and either the previous holder
 * released the lock noting exactly the version read, or this operation held the lock already before
 * the read was made — and otherwise reads the record again (the lock was taken over after expiry, or
 * a commit landed between the two requests). An early read that failed is read again too, and that
 * read throws what ReleaseStore.get throws.
 */
export function readAhead(
  store: ReleaseStore,
  service: string,
): (attempt: LockAttempt & { acquired: true }) => Promise<ReleaseRecord | undefined> {
  const early = store.get(service).then(
    (record) => ({ record }),
    () => undefined,
  );
  return async (attempt) => {
    const seen = await early;
    if (seen && attempt.alreadyHeld) return seen.record;
    if (attempt.releasedAtVersion !== undefined && seen?.record?.version === attempt.releasedAtVersion)
      return seen.record;
    return store.get(service);
  };
}
