import type { ReleaseDeps } from '../release/context.js';
import type { OperationStore } from '../release/operations.js';
import type { RequestDeps } from '../release/request.js';
import type { Dispatcher } from './dispatch.js';

/** Everything the Slack listeners need: the ack path's deps, release reads, and the worker hand-off. */
export interface SlackDeps extends RequestDeps {
  release: ReleaseDeps;
  operations: OperationStore;
  dispatcher: Dispatcher;
  /** Logs an unexposed error with its correlation id (Powertools logger in Lambda). */
  logError: (error: unknown, correlationId: string) => void;
}
