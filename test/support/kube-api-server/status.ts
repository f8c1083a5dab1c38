// Kubernetes `Status` bodies with the wording of k8s.io/apimachinery/pkg/api/errors, so a client's
// error handling sees exactly what a real API server would send.

/** One field-level reason in a Status `details.causes` list, as the real API server sends it. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** The wire shape of a `v1 Status` (errors and some delete responses). */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  /** Absent on the Success status of a DELETE, as on the real server. */
  code?: number;
}

/** Names a resource the way Status messages do: plural, group (empty for core) and the Kind. */
export interface ResourceName {
  plural: string;
  group: string;
  kind: string;
}

/** An error that the server turns into a Status response with HTTP status `status.code`. */
export class KubeStatusError extends Error {
  /** @param status the Status body to send; `headers` are extra response headers (e.g. Retry-After). */
  constructor(
    readonly status: StatusBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message ?? status.reason ?? 'Status');
    this.name = 'KubeStatusError';
  }
}

/** Builds a Failure Status body; `details` is dropped when empty (the real server omits it). */
export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusBody['details'],
): StatusBody {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details !== undefined) body.details = details;
  return body;
}

/** `deployments.apps` / `services` / `virtualservices.networking.istio.io`, as in real messages. */
export function qualifiedResource(r: ResourceName): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

function resourceDetails(r: ResourceName, name: string): NonNullable<StatusBody['details']> {
  return r.group === '' ? { name, kind: r.plural } : { name, group: r.group, kind: r.plural };
}

/** 404 NotFound: `deployments.apps "x" not found`. */
export function notFound(r: ResourceName, name: string): KubeStatusError {
  return new KubeStatusError(
    failureStatus(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, resourceDetails(r, name)),
  );
}

/** 409 AlreadyExists: `deployments.apps "x" already exists`. */
export function alreadyExists(r: ResourceName, name: string): KubeStatusError {
  return new KubeStatusError(
    failureStatus(
      409,
      'AlreadyExists',
      `${qualifiedResource(r)} "${name}" already exists`,
      resourceDetails(r, name),
    ),
  );
}

/** 409 Conflict on a stale resourceVersion, with the real "the object has been modified" wording. */
export function conflict(
  r: ResourceName,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): KubeStatusError {
  return new KubeStatusError(
    failureStatus(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`,
      resourceDetails(r, name),
    ),
  );
}

/** 422 Invalid: `Deployment.apps "x" is invalid: [field: message, ...]` with `details.causes`. */
export function invalid(r: ResourceName, name: string, causes: StatusCause[]): KubeStatusError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const qualifiedKind = r.group === '' ? r.kind : `${r.kind}.${r.group}`;
  const details: NonNullable<StatusBody['details']> = { name, kind: r.kind, causes };
  if (r.group !== '') details.group = r.group;
  return new KubeStatusError(
    failureStatus(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, details),
  );
}

/** 400 BadRequest with the given message and no details. */
export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(failureStatus(400, 'BadRequest', message));
}

/** 404 for a path no resource lives at: "the server could not find the requested resource". */
export function pathNotFound(): KubeStatusError {
  return new KubeStatusError(
    failureStatus(404, 'NotFound', 'the server could not find the requested resource', {}),
  );
}

/** 405 MethodNotAllowed for a verb the resource does not serve. */
export function methodNotAllowed(): KubeStatusError {
  return new KubeStatusError(
    failureStatus(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
      {},
    ),
  );
}

/** 415 UnsupportedMediaType for a patch type the resource does not accept (e.g. strategic merge on a CRD). */
export function unsupportedMediaType(accepted: string[]): KubeStatusError {
  return new KubeStatusError(
    failureStatus(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    ),
  );
}

/** 500 InternalError: `Internal error occurred: <detail>` with the detail as the one cause. */
export function internalError(detail: string): KubeStatusError {
  return new KubeStatusError(
    failureStatus(500, 'InternalError', `Internal error occurred: ${detail}`, {
      causes: [{ reason: '', message: detail }],
    }),
  );
}

/** 429 TooManyRequests with `details.retryAfterSeconds` and a matching Retry-After header. */
export function tooManyRequests(retryAfterSeconds: number): KubeStatusError {
  return new KubeStatusError(
    failureStatus(429, 'TooManyRequests', 'Too many requests, please try again later.', {
      retryAfterSeconds,
    }),
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 401 Unauthorized exactly as kube-apiserver sends it for a missing or rejected bearer token. */
export function unauthorized(): KubeStatusError {
  return new KubeStatusError(failureStatus(401, 'Unauthorized', 'Unauthorized'));
}

/** A `Status` Success body as returned by DELETE on most kinds: details name, group, plural kind and uid. */
export function successStatus(r: ResourceName, name: string, uid: string): StatusBody {
  const details = { ...resourceDetails(r, name), uid };
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details,
    code: 200,
  } as StatusBody;
}
