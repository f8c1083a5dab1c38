import { MetricsUnavailableError } from '../../../functions/release/errors.js';
import type { MetricsSource } from '../../../functions/release/ports.js';

/** Which canary series a query asks for: `requests`, `success-rate`, `p99`, or the query itself. */
function kindOf(promql: string): string {
  if (promql.startsWith('sum(increase(istio_requests_total')) return 'requests';
  if (promql.includes('histogram_quantile(0.99')) return 'p99';
  if (promql.includes('response_code!~"5.."')) return 'success-rate';
  return promql.replace(/destination_workload="[^"]+"/g, '').replace(/\s+/g, ' ');
}

/**
 * In-memory MetricsSource for domain tests: values per (series, workload), e.g.
 * `metrics.set('p99', 'address-service-green', 120)`; unknown ones are no data. `fail` makes every
 * query throw as an unreachable Prometheus would. Records the queries asked.
 */
export class MemoryMetrics implements MetricsSource {
  readonly asked: string[] = [];
  private readonly values = new Map<string, number | undefined>();
  /** When set, every query throws MetricsUnavailableError with this message. */
  fail?: string;

  /** Sets the value of `kind` (`requests`, `success-rate`, `p99`, or an extra query without its workload) for `workload`. */
  set(kind: string, workload: string, value: number | undefined): this {
    this.values.set(`${kind}|${workload}`, value);
    return this;
  }

  /** A healthy pair of slots: both with `requests`, 100% success and p99 `p99` ms. */
  healthy(service: string, requests = 500, p99 = 49.75): this {
    for (const slot of ['blue', 'green']) {
      this.set('requests', `${service}-${slot}`, requests);
      this.set('success-rate', `${service}-${slot}`, 100);
      this.set('p99', `${service}-${slot}`, p99);
    }
    return this;
  }

  /** Looks the value up by the query's kind and workload. */
  async query(promql: string): Promise<number | undefined> {
    this.asked.push(promql);
    if (this.fail) throw new MetricsUnavailableError(this.fail);
    const workload = /destination_workload="([^"]+)"/.exec(promql)?.[1] ?? '';
    return this.values.get(`${kindOf(promql)}|${workload}`);
  }
}
