import { ApiException } from '@kubernetes/client-node';
import { ClusterUnavailableError, GrayError } from '../release/errors.js';

/** The Kubernetes `Status` fields gray reads from an error body. */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/** HTTP status of a client-node ApiException, else undefined (network error, GrayError, bug). */
export function apiStatusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** Parses the Kubernetes Status body of an ApiException (client-node hands it over as text or JSON). */
export function apiStatus(error: unknown): KubeStatus {
  if (!(error instanceof ApiException)) return {};
  const body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as KubeStatus;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as KubeStatus;
}

/** Seconds from a 429's Retry-After header, if any. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const value = error.headers?.['retry-after'] ?? error.headers?.['Retry-After'];
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** True for faults worth retrying: 429, 5xx, and network errors (resets, refused, timeouts). */
export function isTransient(error: unknown): boolean {
  const code = apiStatusCode(error);
  if (code !== undefined) return code === 429 || code >= 500;
  if (error instanceof GrayError || !(error instanceof Error)) return false;
  const cause = (error as { cause?: { code?: string } }).cause;
  const text = `${(error as { code?: string }).code ?? ''} ${cause?.code ?? ''} ${error.name} ${error.message}`;
  return /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR|socket hang up|fetch failed|network|timed? ?out|aborted|FetchError/i.test(
    text,
  );
}

/** True when a write lost a race: 409 Conflict, or 422 from a failed JSON Patch `test` op. */
export function isEditConflict(error: unknown): boolean {
  const code = apiStatusCode(error);
  if (code === 409) return true;
  if (code !== 422) return false;
  const text = JSON.stringify(apiStatus(error));
  return /test/i.test(text) && /(fail|not equal|mismatch)/i.test(text);
}

/**
 * Turns a client-node error into a GrayError naming the operation (`what`, e.g. "patch
 * VirtualService happyride/address-service-deployment"): 401/403 with the usual fixes, 422 with the
 * server's causes, 5xx/429/network as ClusterUnavailableError.
 */
export function translateApiError(error: unknown, what: string): GrayError {
  if (error instanceof GrayError) return error;
  const code = apiStatusCode(error);
  const status = apiStatus(error);
  if (code === 401) {
    return new GrayError(
      'unauthorized',
      `${what}: the cluster rejected gray's credentials (401); check the kubeconfig or the EKS access entry`,
      { cause: error },
    );
  }
  if (code === 403) {
    return new GrayError(
      'forbidden',
      `${what}: forbidden (403) — ${status.message ?? 'RBAC denies it'}; apply infra/kubernetes/rbac.yaml`,
      { cause: error },
    );
  }
  if (code === 422 || code === 400) {
    const causes = status.details?.causes
      ?.map((c) => `${c.field ?? ''} ${c.message ?? ''}`.trim())
      .join('; ');
    return new GrayError(
      'invalid_object',
      `${what}: the cluster refused the change (${code}): ${causes || status.message || 'invalid'}`,
      { cause: error },
    );
  }
  const detail = code
    ? `HTTP ${code}${status.message ? ` ${status.message}` : ''}`
    : ((error as Error)?.message ?? String(error));
  return new ClusterUnavailableError(
    `${what}: the Kubernetes API did not answer successfully (${detail}); try again shortly`,
    { cause: error },
  );
}
