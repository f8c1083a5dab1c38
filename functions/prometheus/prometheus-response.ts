/**
 * Prometheus HTTP API answers (prometheus.io/docs/prometheus/latest/querying/api/) → one number.
 * Pure.
 */
import { MetricsUnavailableError } from '../release/errors.js';

/** Sample values are strings; Prometheus writes the specials as `NaN`, `+Inf`, `-Inf`. */
export function parseSampleValue(text: unknown): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : Number.NaN;
  if (Number.isNaN(value))
    throw new MetricsUnavailableError(
      `Prometheus answered a sample value "${String(text)}" that is not a number`,
    );
  return value;
}

interface ApiEnvelope {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * Reads an instant query's answer (`where` names the endpoint for messages). Returns the scalar or the
 * single series' value; undefined for an empty vector or NaN. Throws MetricsUnavailableError for an
 * error answer (with Prometheus' own message and the HTTP status), a non-JSON body, several series, or
 * a matrix/string result.
 */
export function readInstantValue(status: number, body: string, where: string): number | undefined {
  let parsed: ApiEnvelope;
  try {
    parsed = JSON.parse(body) as ApiEnvelope;
  } catch {
    throw new MetricsUnavailableError(
      `Prometheus at ${where} answered HTTP ${status} with a body that is not its JSON API (${body.slice(0, 80).trim() || 'empty'})`,
    );
  }
  if (parsed.status !== 'success' || status < 200 || status >= 300) {
    const detail = parsed.error
      ? `${parsed.errorType ?? 'error'}: ${parsed.error}`
      : `status ${parsed.status ?? 'missing'}`;
    throw new MetricsUnavailableError(`Prometheus at ${where} refused the query (HTTP ${status}, ${detail})`);
  }
  const { resultType, result } = parsed.data ?? {};
  let value: number;
  if (resultType === 'scalar' && Array.isArray(result)) {
    value = parseSampleValue(result[1]);
  } else if (resultType === 'vector' && Array.isArray(result)) {
    if (result.length === 0) return undefined;
    if (result.length > 1) {
      throw new MetricsUnavailableError(
        `the query returned ${result.length} series where gray needs one number; aggregate it, like sum(…)`,
      );
    }
    const sample = (result[0] as { value?: unknown[] }).value;
    value = parseSampleValue(sample?.[1]);
  } else {
    throw new MetricsUnavailableError(
      `the query returned a ${resultType ?? 'missing'} result where gray needs one number (a scalar or one series)`,
    );
  }
  return Number.isNaN(value) ? undefined : value;
}
