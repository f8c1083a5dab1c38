// Fault injection: the next N requests that match answer with an error, lose their connection, or wait.

/** What a matching request gets instead of (or before) normal handling. */
export type Fault =
  | { status: 500 }
  | { status: 429; retryAfterSeconds: number }
  | { status: 409 }
  | { reset: true }
  | { delayMs: number }
  /** Answers normally once `until` settles: a test holds a request in flight for as long as it needs. */
  | { hold: Promise<unknown> };

/** Which requests a fault hits (all given conditions must hold) and how many times. */
export interface FaultSpec {
  /** HTTP method, e.g. `PATCH` (case-insensitive); any when omitted. */
  method?: string;
  /** A substring the request path (without query) must contain. */
  pathIncludes?: string;
  /** How many matching requests get the fault; then it is spent. */
  times: number;
  fault: Fault;
}

/** A queue of armed faults; the first one that matches a request is consumed. */
export class FaultInjector {
  private readonly armed: FaultSpec[] = [];

  /** Arms `spec` (copied); it fires on the next `spec.times` matching requests. */
  inject(spec: FaultSpec): void {
    if (!Number.isInteger(spec.times) || spec.times < 1)
      throw new Error('injectFault: times must be a positive integer');
    this.armed.push({ ...spec });
  }

  /** Disarms every fault. */
  clear(): void {
    this.armed.length = 0;
  }

  /** How many injections are still armed in total (sum of remaining `times`). */
  pending(): number {
    return this.armed.reduce((sum, f) => sum + f.times, 0);
  }

  /** Consumes and returns the fault for this request, if one matches. */
  take(method: string, path: string): Fault | undefined {
    const index = this.armed.findIndex(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method.toUpperCase()) &&
        (f.pathIncludes === undefined || path.includes(f.pathIncludes)),
    );
    const spec = this.armed[index];
    if (!spec) return undefined;
    spec.times -= 1;
    if (spec.times === 0) this.armed.splice(index, 1);
    return spec.fault;
  }
}
