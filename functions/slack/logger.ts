/**
 * Structured JSON logs (Powertools Logger) for every function; internal errors carry the correlation
 * id users see in Slack. Cheap enough for the Slack function's cold start (measured: no difference
 * from a bare Bolt bundle within noise).
 */
import { Logger } from '@aws-lambda-powertools/logger';

/** gray's logger (`service: gray`). */
export const logger = new Logger({ serviceName: 'gray' });

/** Logs an unexposed error with the correlation id its Slack reply names. */
export function logInternalError(error: unknown, correlationId: string): void {
  logger.error('internal error', { correlationId, error: error as Error });
}
