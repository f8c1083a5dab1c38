/**
 * gray's error family. Every error has a stable string `code`, an optional `cause`, and `expose`:
 * whether its message may be shown to a user verbatim (Slack, CLI). Adapters translate SDK errors
 * into these at the edge; one formatter turns them into replies.
 */
export class GrayError extends Error {
  /** Stable machine-readable code, e.g. `conflict`, `not_ready`. */
  readonly code: string;
  /** True when the message is written for users and safe to show verbatim. */
  readonly expose: boolean;

  /** Creates an error with a stable `code`; `expose` defaults to true (message is user-facing). */
  constructor(code: string, message: string, options: { cause?: unknown; expose?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.expose = options.expose ?? true;
  }
}

/**
 * Codes of errors that mean a rule refused the request, so nothing was attempted (recorded and shown
 * as `refused`), as opposed to a failure on the way: bad input, an unknown service, not allowed, busy,
 * a slot not ready, a missing route, a policy refusal, approval needed.
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'invalid_input',
  'unknown_service',
  'not_allowed',
  'busy',
  'not_ready',
  'route_missing',
  'refused',
  'approval_required',
]);

/** Bad input from a user: nothing was changed; the message says what to type instead. */
export class InvalidInputError extends GrayError {
  /** `message` must name the input and say what to type instead. */
  constructor(message: string) {
    super('invalid_input', message);
  }
}

/** The service is not in gray.config.yaml. */
export class UnknownServiceError extends GrayError {
  /** `known` lists the configured service names for the hint. */
  constructor(service: string, known: readonly string[]) {
    super(
      'unknown_service',
      `unknown service "${service}"; configured services: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
  }
}

/** A Kubernetes object gray needs does not exist (client-node 404 → this). */
export class ResourceNotFoundError extends GrayError {
  /** `kind`/`namespace`/`name` identify the missing object. */
  constructor(kind: string, namespace: string, name: string, options: { cause?: unknown } = {}) {
    super('not_found', `${kind} ${namespace}/${name} not found`, options);
  }
}

/** Someone else changed the release (DynamoDB condition failed, or Kubernetes kept answering 409). */
export class ReleaseConflictError extends GrayError {
  /** The message names the operation and tells the user to retry after checking status. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('conflict', message, options);
  }
}

/** Another operation holds the per-service lock. */
export class ServiceBusyError extends GrayError {
  /** Built from the lock holder: "address-service is busy: weight 25 by U123 since 10:02". */
  constructor(message: string) {
    super('busy', message);
  }
}

/** The action is not allowed in the release's current state (e.g. deploy to the live slot). */
export class ReleaseRefusedError extends GrayError {
  /** `message` gives the reason and the next step. */
  constructor(message: string) {
    super('refused', message);
  }
}

/** A slot has no available replicas for an action that sends it traffic. */
export class SlotNotReadyError extends GrayError {
  /** `message` says which slot and its available/desired counts. */
  constructor(message: string) {
    super('not_ready', message);
  }
}

/** A Deployment rollout failed or timed out; traffic was left untouched. */
export class RolloutFailedError extends GrayError {
  /** `reason` is the Deployment's own reason (e.g. ProgressDeadlineExceeded). */
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super('rollout_failed', message);
  }
}

/** The Kubernetes API failed in a way retries did not cure (5xx, 429, resets past the budget). */
export class ClusterUnavailableError extends GrayError {
  /** `message` names the operation and the object. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('cluster_unavailable', message, options);
  }
}

/** Prometheus could not answer a canary query (unreachable, HTTP error, bad PromQL); the analysis is inconclusive. */
export class MetricsUnavailableError extends GrayError {
  /** `message` names the Prometheus endpoint and what went wrong. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('metrics_unavailable', message, options);
  }
}

/** The configuration file is invalid; raised at start-up, naming the field. */
export class ConfigError extends GrayError {
  /** `message` names the offending field path. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('config', message, options);
  }
}

/** Returns the error as a GrayError, wrapping unknown errors as unexposed `internal` ones. */
export function toGrayError(error: unknown): GrayError {
  if (error instanceof GrayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GrayError('internal', message, { cause: error, expose: false });
}
