import type { Clock } from '../../../functions/release/ports.js';

/** A Clock whose time moves only when told (or by sleep), starting at `start` epoch ms. */
export class FakeClock implements Clock {
  /** `start` in epoch milliseconds; default 2026-11-30T10:00:00Z. */
  constructor(private current = Date.UTC(2026, 10, 30, 10, 0, 0)) {}

  /** Epoch ms. */
  now(): number {
    return this.current;
  }

  /** Advances time by `ms` at once. */
  async sleep(ms: number): Promise<void> {
    this.current += ms;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }
}
