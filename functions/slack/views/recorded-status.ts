import type { ReleaseStatus } from '../../release/status.js';
import type { ReleaseRecord } from '../../release/types.js';

/**
 * A ReleaseStatus built from the record alone, for views that list every service without calling
 * Kubernetes (App Home, one DynamoDB read): live weights are the recorded ones; readiness is unknown.
 */
export function recordedStatus(record: ReleaseRecord): ReleaseStatus {
  return {
    service: record.service,
    record,
    recorded: true,
    live: {
      virtualService: true,
      weights: record.weights,
      ...(record.headerRoute ? { headerRoute: record.headerRoute } : {}),
      slots: {},
    },
    drift: [],
  };
}
