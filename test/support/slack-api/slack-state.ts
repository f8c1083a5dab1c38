// What the loopback Slack remembers: every call, the messages as they stand now, Home tabs, response_url
// posts, queued failures, and a monotonic message timestamp clock.

/** The bot the server answers `auth.test` for (Slack's field names in camelCase). */
export interface SlackIdentity {
  url: string;
  team: string;
  teamId: string;
  user: string;
  userId: string;
  botId: string;
}

/** One request as received: method (`chat.postMessage`, or `response_url` for a response URL POST). */
export interface SlackCall {
  method: string;
  /** Parsed fields, nested JSON fields (`blocks`, `view`…) decoded; never the token. */
  params: Record<string, unknown>;
  token: string | undefined;
  contentType: string;
  /** HTTP status answered. */
  status: number;
  /** Slack's `error` code when the call failed, e.g. `ratelimited`. */
  error: string | undefined;
}

/** A channel message as it stands now (after any `chat.update`). */
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  threadTs: string | undefined;
  /** Number of `chat.update` calls applied. */
  edits: number;
}

/** A failure to serve instead of the next calls: `status` 429 or `error: 'ratelimited'` adds Retry-After. */
export interface SlackFailure {
  /** Slack error code; default `ratelimited` for 429, `internal_error` for 5xx, else required. */
  error?: string;
  /** Seconds for the `Retry-After` header of a 429 (default 1). */
  retryAfterSeconds?: number;
  /** HTTP status (default 429 for `ratelimited`, else 200 with `ok: false`). */
  status?: number;
}

/** One POST to a response URL: the decoded JSON (or form) payload. */
export type ResponseUrlPost = Record<string, unknown>;

const firstMicros = 1_700_000_000_000_000n;

/** Mutable state behind one server; all readers return copies. */
export class SlackState {
  readonly calls: SlackCall[] = [];
  readonly messages = new Map<string, SlackMessage>();
  readonly homeViews = new Map<string, Record<string, unknown>>();
  readonly responses = new Map<string, ResponseUrlPost[]>();
  private readonly failures = new Map<string, SlackFailure[]>();
  private micros = firstMicros;
  private viewSequence = 0;

  /** Next message ts, `1700000000.000100`, `1700000000.000200`, …: strictly increasing, 6 decimals. */
  nextTs(): string {
    this.micros += 100n;
    const text = this.micros.toString();
    return `${text.slice(0, -6)}.${text.slice(-6)}`;
  }

  /** Next view id, `V000000001`, …. */
  nextViewId(): string {
    this.viewSequence += 1;
    return `V${String(this.viewSequence).padStart(9, '0')}`;
  }

  /** Queues `n` failures for `method`. */
  failNext(method: string, n: number, failure: SlackFailure): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < n; i += 1) queue.push({ ...failure });
    this.failures.set(method, queue);
  }

  /** Takes the next queued failure for `method`, if any. */
  takeFailure(method: string): SlackFailure | undefined {
    return this.failures.get(method)?.shift();
  }

  /** Forgets everything and restarts the ts clock, so each test sees the same timestamps. */
  reset(): void {
    this.micros = firstMicros;
    this.viewSequence = 0;
    this.calls.length = 0;
    this.messages.clear();
    this.homeViews.clear();
    this.responses.clear();
    this.failures.clear();
  }
}

/** The key of a message in {@link SlackState.messages}. */
export function messageKey(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}
