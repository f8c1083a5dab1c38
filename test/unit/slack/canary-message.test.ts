import { describe, expect, it } from 'vitest';
import type { CanaryState } from '../../../functions/release/canary/model.js';
import type { ReleaseRecord } from '../../../functions/release/types.js';
import type { KnownBlock } from '../../../functions/slack/views/blocks.js';
import { renderCanaryMessage } from '../../../functions/slack/views/canary-message.js';

const AT = 1_800_000_000; // 2027-01-15 08:00 UTC

const canary = (overrides: Partial<CanaryState> = {}): CanaryState => ({
  status: 'running',
  slot: 'green',
  version: '1.0.1-3b7c9e1',
  steps: [1, 5, 25, 50, 100],
  stepIndex: 1,
  intervalSeconds: 300,
  nextCheckAt: AT + 300,
  failures: 1,
  failureLimit: 3,
  startedBy: 'U0ALICE',
  startedAt: AT - 600,
  operationId: 'op-1',
  last: {
    at: AT,
    verdict: 'fail',
    reason: 'green success rate 95.00% (needs ≥ 99.00%; blue 100.00%)',
    windowSeconds: 300,
    minRequests: 100,
    requests: { canary: 1234, live: 23456 },
    checks: [
      {
        name: 'success-rate',
        unit: '%',
        comparison: '>=',
        threshold: 99,
        relative: false,
        canary: 95,
        live: 100,
        bound: 99,
        verdict: 'fail',
      },
      {
        name: 'p99-latency',
        unit: 'ms',
        comparison: '<=',
        threshold: 1.2,
        relative: true,
        canary: 49.75,
        live: 49.75,
        bound: 59.7,
        verdict: 'pass',
      },
    ],
  },
  ...overrides,
});

const record = (state: CanaryState, weights = { blue: 95, green: 5 }): ReleaseRecord => ({
  service: 'address-service',
  version: 7,
  live: 'blue',
  slots: {},
  weights,
  phase: 'shifting',
  channel: 'C0RELEASES',
  canary: state,
  updatedAt: AT,
  updatedBy: 'gray-canary',
});

const actionIds = (blocks: KnownBlock[]) =>
  (
    (blocks.find((b) => b.type === 'actions') as { elements: { action_id: string }[] } | undefined)
      ?.elements ?? []
  ).map((e) => e.action_id);

describe('renderCanaryMessage', () => {
  it('shows the weight, step k of n, both slots’ numbers against their bounds and the next check', () => {
    const view = renderCanaryMessage(record(canary()));

    expect(view.text).toBe('🐤 canary of address-service green 5% (step 2 of 5): running');
    expect(view.blocks.slice(0, 4)).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '🐤 Canary of *address-service* green `1.0.1-3b7c9e1`: *running*' },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Weight*\ngreen 5% · blue 95%\n`█░░░░░░░░░`' },
          { type: 'mrkdwn', text: '*Plan* (step 2 of 5)\n1% → *5%* → 25% → 50% → 100%' },
        ],
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: [
            '*Last analysis* <!date^1800000000^{date_short_pretty} {time}|2027-01-15 08:00 UTC>: ❌ failed — green success rate 95.00% (needs ≥ 99.00%; blue 100.00%)',
            '• success rate: green 95.00%, blue 100.00% — needs ≥ 99.00% ✗',
            '• p99 latency: green 49.8 ms, blue 49.8 ms — needs ≤ 1.2 × blue (59.7 ms) ✓',
            '• requests in the last 5m: green 1234, blue 23456 (needs 100 on green)',
          ].join('\n'),
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'next analysis <!date^1800000300^{date_short_pretty} {time}|2027-01-15 08:05 UTC> · failed analyses in a row: 1 of 3',
          },
        ],
      },
    ]);
    expect(actionIds(view.blocks)).toEqual(['gray_canary_pause', 'gray_canary_abort', 'gray_promote']);
    expect(JSON.stringify(view.blocks)).toContain('"value":"{\\"service\\":\\"address-service\\"}"');
  });

  it('offers Resume while paused and shows why', () => {
    const view = renderCanaryMessage(record(canary({ status: 'paused', note: 'paused by U0BOB' })));

    expect(actionIds(view.blocks)).toEqual(['gray_canary_resume', 'gray_canary_abort', 'gray_promote']);
    expect(view.blocks).toContainEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '_paused by U0BOB_' },
    });
    expect(JSON.stringify(view.blocks)).not.toContain('next analysis');
  });

  it('offers only Abort while a promotion waits for approval', () => {
    expect(actionIds(renderCanaryMessage(record(canary({ status: 'awaiting-approval' }))).blocks)).toEqual([
      'gray_canary_abort',
    ]);
  });

  it('has no buttons once the canary ended, and says when', () => {
    const view = renderCanaryMessage(
      record(
        canary({ status: 'rolled-back', endedAt: AT, note: 'rolled back after 3 failed analyses in a row' }),
        {
          blue: 100,
          green: 0,
        },
      ),
    );

    expect(view.text).toBe('⏪ canary of address-service green 0% (step 2 of 5): rolled back');
    expect(actionIds(view.blocks)).toEqual([]);
    expect(view.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'ended <!date^1800000000^{date_short_pretty} {time}|2027-01-15 08:00 UTC> · failed analyses in a row: 1 of 3',
        },
      ],
    });
  });

  it('escapes what Slack would parse in reasons but keeps gray’s own mentions', () => {
    const view = renderCanaryMessage(
      record(canary({ status: 'paused', note: 'the promotion was rejected by <@U0BOB> & <b>' })),
    );

    expect(view.blocks).toContainEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '_the promotion was rejected by <@U0BOB> &amp; &lt;b&gt;_' },
    });
  });
});
