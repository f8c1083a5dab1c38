import type { WebClient } from '@slack/web-api';
import type { ReleaseDeps } from '../release/context.js';
import type { OperationStore } from '../release/operations.js';
import type { RequestDeps } from '../release/request.js';
import type { OperationReporter } from '../release/run-queued.js';

/**
 * What the worker needs: the release deps (config, store, clusters, clock), the operation store, the
 * reporter of operation messages, the bot's Web API client, a way to answer response_urls, and a log.
 */
export interface WorkerDeps {
  release: ReleaseDeps;
  operations: OperationStore;
  reporter: OperationReporter;
  /** The bot's WebClient: approval requests, their decisions, the Home tab. */
  web: WebClient;
  /** POSTs a message to a Slack response_url (JSON, Slack's wire format); throws when Slack refuses. */
  respond: (responseUrl: string, message: Record<string, unknown>) => Promise<void>;
  /** Logs an unexposed error with its correlation id (Powertools logger in Lambda). */
  logError: (error: unknown, correlationId: string) => void;
}

/** The deps of requestOperation and decideApproval, taken from the worker's. */
export function requestDeps(deps: WorkerDeps): RequestDeps {
  const { config, store, clock, newId } = deps.release;
  return { config, store, clock, operations: deps.operations, ...(newId ? { newId } : {}) };
}
