// An OperationReporter that keeps what it was told: the worker's reports of one operation, in order.
// No vitest imports.
import type { OperationReporter } from '../../functions/release/run-queued.js';

/** A reporter whose `states` are the reported states in order (`['running', 'succeeded']`). */
export function recordingReporter(): OperationReporter & { states: string[] } {
  const states: string[] = [];
  return {
    states,
    report: async (_operation, update) => {
      states.push(update.state);
    },
  };
}
