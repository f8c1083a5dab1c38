import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../../../functions/release/status.js';
import type { PendingTeardown, ReleaseRecord } from '../../../functions/release/types.js';
import type { KnownBlock } from '../../../functions/slack/views/blocks.js';
import { renderOperationMessage } from '../../../functions/slack/views/operation-message.js';

const promoted = (): ReleaseStatus =>
  JSON.parse(
    readFileSync(new URL('../../fixtures/slack/status-promoted-drift.json', import.meta.url), 'utf8'),
  ) as ReleaseStatus;

const mrkdwn = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** The fixture's release mid-shift (blue live), without the fixture's pending teardown unless given. */
const record = (overrides: Partial<ReleaseRecord> = {}): ReleaseRecord => {
  const { teardown: _pending, ...base } = promoted().record;
  return { ...base, live: 'blue', phase: 'shifting', weights: { blue: 75, green: 25 }, ...overrides };
};

/** The fixture's teardown: blue (the old slot after green was promoted) is deleted at 02:30 UTC. */
const scheduled: PendingTeardown = {
  slot: 'blue',
  dueAt: 1767234600,
  action: 'delete',
  version: '1.0.0-fe220c2',
};

/** A promotion to green that keeps blue until its teardown is due. */
const promotedWithTeardown = (overrides: Partial<ReleaseRecord> = {}): ReleaseRecord =>
  record({
    live: 'green',
    phase: 'promoted',
    weights: { blue: 0, green: 100 },
    teardown: scheduled,
    ...overrides,
  });

type Element = {
  action_id: string;
  value: string;
  style?: string;
  text: { text: string };
  confirm?: unknown;
};
const buttonsOf = (blocks: KnownBlock[]): Element[] =>
  (blocks.find((block) => block.type === 'actions') as { elements: Element[] } | undefined)?.elements ?? [];

const TEARDOWN_BUTTONS = [
  {
    type: 'button',
    text: { type: 'plain_text', text: 'Cancel teardown' },
    action_id: 'gray_teardown_cancel',
    value: '{"service":"address-service"}',
  },
  {
    type: 'button',
    text: { type: 'plain_text', text: 'Extend +30 min' },
    action_id: 'gray_teardown_extend_1800',
    value: '{"service":"address-service","seconds":1800}',
  },
  {
    type: 'button',
    text: { type: 'plain_text', text: 'Extend +2 h' },
    action_id: 'gray_teardown_extend_7200',
    value: '{"service":"address-service","seconds":7200}',
  },
];

describe('renderOperationMessage', () => {
  const op = {
    service: 'address-service',
    summary: 'weight 25',
    actor: 'U0REQUESTER',
    lines: Array.from({ length: 12 }, (_, i) => `step ${i + 1}`),
  };

  it('titles, shows the last 10 progress lines and no buttons while running', () => {
    const view = renderOperationMessage({ ...op, state: 'running' });

    expect(view.text).toBe('⏳ weight 25 on address-service: running');
    expect(view.blocks).toEqual([
      mrkdwn('⏳ `weight 25` on *address-service* by <@U0REQUESTER>: *running*'),
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: Array.from({ length: 10 }, (_, i) => `› step ${i + 3}`).join('\n') },
        ],
      },
    ]);
  });

  it('offers Promote, the presets above the new weight and Rollback after a successful step', () => {
    const view = renderOperationMessage({
      ...op,
      state: 'succeeded',
      lines: [],
      result: 'address-service: blue 75% / green 25%',
      record: record(),
    });

    expect(view.text).toBe('✅ weight 25 on address-service: done: address-service: blue 75% / green 25%');
    expect(view.blocks[1]).toEqual(mrkdwn('address-service: blue 75% / green 25%'));
    expect(view.blocks[2]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Promote' },
          action_id: 'gray_promote',
          value: '{"service":"address-service"}',
          style: 'primary',
          confirm: {
            title: { type: 'plain_text', text: 'Promote address-service?' },
            text: {
              type: 'plain_text',
              text: "Send 100% of address-service's traffic to green (1.0.1-a1b2c3d) and remove the header route.",
            },
            confirm: { type: 'plain_text', text: 'Promote' },
            deny: { type: 'plain_text', text: 'Cancel' },
            style: 'primary',
          },
        },
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Weight 50%' },
          action_id: 'gray_weight_50',
          value: '{"service":"address-service","weight":50}',
        },
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Weight 100%' },
          action_id: 'gray_weight_100',
          value: '{"service":"address-service","weight":100}',
        },
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Rollback' },
          action_id: 'gray_rollback',
          value: '{"service":"address-service"}',
          style: 'danger',
          confirm: {
            title: { type: 'plain_text', text: 'Roll back address-service?' },
            text: {
              type: 'plain_text',
              text: "Send all of address-service's traffic back to blue (1.0.0-fe220c2).",
            },
            confirm: { type: 'plain_text', text: 'Roll back' },
            deny: { type: 'plain_text', text: 'Cancel' },
            style: 'danger',
          },
        },
      ],
    });
  });

  it.each([
    [
      record({ phase: 'ready', weights: { blue: 100, green: 0 } }),
      ['gray_promote', 'gray_weight_1', 'gray_weight_5', 'gray_weight_25', 'gray_weight_50', 'gray_rollback'],
    ],
    [
      record({ weights: { blue: 99, green: 1 } }),
      [
        'gray_promote',
        'gray_weight_5',
        'gray_weight_25',
        'gray_weight_50',
        'gray_weight_100',
        'gray_rollback',
      ],
    ],
    [record({ weights: { blue: 0, green: 100 } }), ['gray_promote', 'gray_rollback']],
    [record({ live: 'green', phase: 'promoted', weights: { blue: 0, green: 100 } }), ['gray_rollback']],
    [record({ live: 'green', phase: 'stable', weights: { blue: 0, green: 100 } }), ['gray_rollback']],
    [record({ live: 'blue', phase: 'rolled-back', weights: { blue: 100, green: 0 } }), []],
    [record({ phase: 'failed' }), []],
    [
      promotedWithTeardown(),
      ['gray_rollback', 'gray_teardown_cancel', 'gray_teardown_extend_1800', 'gray_teardown_extend_7200'],
    ],
    [
      promotedWithTeardown({ teardown: { ...scheduled, action: 'scale-down' } }),
      ['gray_rollback', 'gray_teardown_cancel', 'gray_teardown_extend_1800', 'gray_teardown_extend_7200'],
    ],
  ])('offers the next steps that fit %#', (committed, actionIds) => {
    const view = renderOperationMessage({ ...op, state: 'succeeded', record: committed });

    const buttons = buttonsOf(view.blocks);
    expect(buttons.map((b) => b.action_id)).toEqual(actionIds);
    for (const b of buttons) expect(JSON.parse(b.value)).toMatchObject({ service: 'address-service' });
  });

  it('offers no Rollback after a promotion whose old slot was torn down', () => {
    const committed = record({ live: 'green', phase: 'stable' });
    committed.slots.blue = { ...committed.slots.blue!, status: 'deleted' };

    expect(
      buttonsOf(renderOperationMessage({ ...op, state: 'succeeded', record: committed }).blocks),
    ).toEqual([]);
  });

  it('puts Cancel teardown and Extend +30 min / +2 h after Rollback while a teardown is scheduled', () => {
    const view = renderOperationMessage({
      ...op,
      summary: 'promote',
      lines: [],
      state: 'succeeded',
      record: promotedWithTeardown(),
    });

    expect(view.blocks[1]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Rollback' },
          action_id: 'gray_rollback',
          value: '{"service":"address-service"}',
          style: 'danger',
          confirm: {
            title: { type: 'plain_text', text: 'Roll back address-service?' },
            text: {
              type: 'plain_text',
              text: "Send all of address-service's traffic back to blue (1.0.0-fe220c2).",
            },
            confirm: { type: 'plain_text', text: 'Roll back' },
            deny: { type: 'plain_text', text: 'Cancel' },
            style: 'danger',
          },
        },
        ...TEARDOWN_BUTTONS,
      ],
    });
  });

  it('offers the teardown buttons alone when the old slot cannot take traffic back', () => {
    const committed = promotedWithTeardown();
    committed.slots.blue = { ...committed.slots.blue!, status: 'failed', reason: 'ProgressDeadlineExceeded' };

    const view = renderOperationMessage({ ...op, state: 'succeeded', record: committed });

    expect(buttonsOf(view.blocks)).toEqual(TEARDOWN_BUTTONS);
  });

  it('drops the teardown buttons once the teardown is cancelled', () => {
    const { teardown: _cancelled, ...committed } = promotedWithTeardown({ phase: 'stable' });

    const view = renderOperationMessage({
      ...op,
      summary: 'teardown cancel',
      state: 'succeeded',
      record: committed,
    });

    expect(buttonsOf(view.blocks).map((b) => b.action_id)).toEqual(['gray_rollback']);
  });

  it.each(['queued', 'failed', 'refused'] as const)(
    'offers no buttons when %s, even with a record that has a teardown scheduled',
    (state) => {
      const view = renderOperationMessage({
        ...op,
        state,
        record: promotedWithTeardown(),
        result: 'weight: green is not <ready>',
      });

      expect(buttonsOf(view.blocks)).toEqual([]);
      expect(JSON.stringify(view.blocks)).toContain('weight: green is not &lt;ready&gt;');
    },
  );
});
