import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../../../functions/release/status.js';
import type { AuditEvent } from '../../../functions/release/types.js';
import { renderAppHome } from '../../../functions/slack/views/app-home.js';
import {
  type ApprovalView,
  renderApprovalDecision,
  renderApprovalRequest,
} from '../../../functions/slack/views/approval.js';
import {
  button,
  type KnownBlock,
  limitBlocks,
  sections,
  slackDate,
  truncate,
  weightBar,
} from '../../../functions/slack/views/blocks.js';
import { renderError, renderErrorReply } from '../../../functions/slack/views/error.js';
import { renderHelp } from '../../../functions/slack/views/help.js';
import { renderStatus } from '../../../functions/slack/views/status.js';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;

const promoted = (): ReleaseStatus => fixture<ReleaseStatus>('status-promoted-drift.json');
const events = (): AuditEvent[] => fixture<AuditEvent[]>('audit-events.json');

const mrkdwn = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** Every text a block carries, for limit checks. */
function textsOf(blocks: KnownBlock[]): string[] {
  return JSON.stringify(blocks)
    .match(/"text":"(?:[^"\\]|\\.)*"/g)!
    .map((match) => JSON.parse(match.slice(7)) as string);
}

describe('renderStatus', () => {
  it('renders both slots, the header route, the pending teardown, the lock, drift and the last 5 events', () => {
    const view = renderStatus(promoted(), events());

    expect(view.text).toBe('address-service: promoted · blue 10% / green 90% · ⚠️ drift (2)');
    expect(view.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'address-service · promoted' } },
      mrkdwn('*Phase:* promoted · *Live slot:* green'),
      mrkdwn(
        '`█░░░░░░░░░`  10%  *blue*  `1.0.0-fe220c2`  2/2 ready\n' +
          '`█████████░`  90%  *green* (live)  `1.0.1-a1b2c3d`  1/2 ready',
      ),
      mrkdwn(
        '*Header route:* `x-latest-version` = `true` → green\n' +
          '*Teardown:* delete blue (`1.0.0-fe220c2`) <!date^1767234600^{date_short_pretty} {time}|2026-01-01 02:30 UTC>',
      ),
      mrkdwn(
        '⏳ *Busy:* `rollback` by <@U0REQUESTER> since <!date^1767233000^{time}|2026-01-01 02:03 UTC> (lock expires <!date^1767233720^{time}|2026-01-01 02:15 UTC>)',
      ),
      mrkdwn(
        "⚠️ *Drift:* the cluster differs from gray's record\n" +
          '• weights: recorded blue 0/green 100, live blue 10/green 90\n' +
          '• header route: recorded none, live x-latest-version=true → green',
      ),
      { type: 'divider' },
      mrkdwn(
        [
          '*Recent events*',
          '✅ <!date^1767232800^{date_short_pretty} {time}|2026-01-01 02:00 UTC> <@U0APPROVER> `promote` succeeded',
          "⛔ <!date^1767231000^{date_short_pretty} {time}|2026-01-01 01:30 UTC> <@U0REQUESTER> `weight 50` refused: a step of 25 points is above address-service's max step of 25 &lt;without&gt; approval",
          '✅ <!date^1767230000^{date_short_pretty} {time}|2026-01-01 01:13 UTC> alice `weight 25` succeeded',
          '✅ <!date^1767229900^{date_short_pretty} {time}|2026-01-01 01:11 UTC> <@U0REQUESTER> `route header x-latest-version` succeeded',
          '❌ <!date^1767229800^{date_short_pretty} {time}|2026-01-01 01:10 UTC> <@U0REQUESTER> `deploy green 1.0.1-a1b2c3d` failed: rollout failed: ProgressDeadlineExceeded',
        ].join('\n'),
      ),
    ]);
  });

  it('renders a stable service with no extras as four blocks', () => {
    const status: ReleaseStatus = {
      service: 'address-service',
      recorded: false,
      record: {
        service: 'address-service',
        version: 0,
        live: 'blue',
        slots: {
          blue: {
            version: '1.0.0-fe220c2',
            image: 'app:1.0.0-fe220c2',
            replicas: 2,
            deployedAt: 0,
            status: 'ready',
          },
        },
        weights: { blue: 100, green: 0 },
        phase: 'stable',
        updatedAt: 0,
        updatedBy: 'status',
      },
      live: { virtualService: false, slots: {} },
      drift: [],
    };

    const view = renderStatus(status);

    expect(view.text).toBe('address-service: stable · blue 100% / green 0%');
    expect(view.blocks.slice(2)).toEqual([
      mrkdwn(
        '`██████████` 100%  *blue* (live)  `1.0.0-fe220c2`  ready (recorded)\n`░░░░░░░░░░`   0%  *green*  —  empty',
      ),
      mrkdwn('*Header route:* none'),
      mrkdwn('*VirtualService:* missing; the first deploy creates it'),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Not recorded by gray yet: this is what runs in the cluster, adopted on read.',
          },
        ],
      },
    ]);
  });

  it('shows a failed rollout and a user cohort header route', () => {
    const status = promoted();
    status.live.slots.green = {
      desired: 3,
      updated: 1,
      ready: 0,
      available: 0,
      done: false,
      failure: { reason: 'ProgressDeadlineExceeded', message: 'x' },
    };
    status.live.headerRoute = { header: 'x-user-id', values: ['u1', 'u`2'], slot: 'green' };

    const view = renderStatus(status);

    expect(JSON.stringify(view.blocks)).toContain('rollout failed: ProgressDeadlineExceeded');
    expect(JSON.stringify(view.blocks)).toContain('*Header route:* `x-user-id` in `u1`, `uˋ2` → green');
  });

  it('shows a running canary: its step and next analysis', () => {
    const status = promoted();
    status.record.canary = {
      status: 'running',
      slot: 'green',
      version: '1.0.1-3b7c9e1',
      steps: [1, 5, 25, 100],
      stepIndex: 1,
      intervalSeconds: 300,
      nextCheckAt: Date.UTC(2026, 10, 30, 10, 5) / 1000,
      failures: 0,
      failureLimit: 3,
      startedBy: 'U0REQUESTER',
      startedAt: Date.UTC(2026, 10, 30, 10, 0) / 1000,
      operationId: 'op-canary',
    };

    const view = renderStatus(status);

    expect(JSON.stringify(view.blocks)).toContain(
      '*Canary:* running, step 2 of 4 (5%), next analysis at 10:05 UTC',
    );
  });

  it('stays within 50 blocks with 200 events and lists only the newest 5', () => {
    const many = Array.from(
      { length: 200 },
      (_, i): AuditEvent => ({
        service: 'address-service',
        at: 1767232800000 - i * 60_000,
        id: `e${i}`,
        actor: 'U0REQUESTER',
        action: 'weight',
        summary: `weight ${i % 101}`,
        result: 'succeeded',
      }),
    );

    const view = renderStatus(promoted(), many);

    expect(view.blocks.length).toBeLessThanOrEqual(50);
    const recent = view.blocks.at(-1) as { text: { text: string } };
    expect(recent.text.text.split('\n')).toHaveLength(6);
    expect(recent.text.text).toContain('`weight 4`');
    expect(recent.text.text).not.toContain('`weight 5`');
  });

  it('truncates very long drift to 3,000 characters and escapes what Slack would parse', () => {
    const status = promoted();
    status.drift = [
      '<!channel> image: recorded a & b',
      ...Array.from({ length: 100 }, (_, i) => `${'x'.repeat(80)} ${i}`),
    ];

    const view = renderStatus(status);

    const drift = (view.blocks[5] as { text: { text: string } }).text.text;
    expect(drift).toHaveLength(3000);
    expect(drift.endsWith('…')).toBe(true);
    expect(drift).toContain('• &lt;!channel&gt; image: recorded a &amp; b');
    for (const text of textsOf(view.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
  });
});

const approval: ApprovalView = {
  approvalId: 'apr-7f3c',
  service: 'address-service',
  summary: 'weight 50',
  requester: 'U0REQUESTER',
  reason: "a step of 40 points is above address-service's max step of 25 without approval",
  before: { weights: { blue: 90, green: 10 } },
  after: {
    weights: { blue: 50, green: 50 },
    headerRoute: { header: 'x-latest-version', values: ['true'], slot: 'green' },
  },
  expiresAt: 1767236400,
  approvers: ['U0APPROVER', 'U0LEAD'],
};

const requestTop = (lead: string) => [
  mrkdwn(`${lead} <@U0REQUESTER> asks to run \`weight 50\` on *address-service*`),
  {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: '*Before*\nblue 90% · green 10%\nheader route: none' },
      {
        type: 'mrkdwn',
        text: '*After*\nblue 50% · green 50%\nheader route: `x-latest-version` = `true` → green',
      },
    ],
  },
  mrkdwn("*Why approval:* a step of 40 points is above address-service's max step of 25 without approval"),
];

describe('renderApprovalRequest', () => {
  it('shows requester, before → after, why, expiry, approvers and the two buttons', () => {
    const view = renderApprovalRequest(approval);

    expect(view.text).toBe('🔐 <@U0REQUESTER> asks for approval: weight 50 on address-service');
    expect(view.blocks).toEqual([
      ...requestTop('🔐 *Approval needed:*'),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Expires <!date^1767236400^{date_short_pretty} {time}|2026-01-01 03:00 UTC>',
          },
          { type: 'mrkdwn', text: 'Who may approve: <@U0APPROVER>, <@U0LEAD> (not the requester)' },
        ],
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Approve' },
            action_id: 'gray_approve',
            value: 'apr-7f3c',
            style: 'primary',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Reject' },
            action_id: 'gray_reject',
            value: 'apr-7f3c',
            style: 'danger',
          },
        ],
      },
    ]);
  });

  it('says so when no approver is configured', () => {
    const view = renderApprovalRequest({ ...approval, approvers: [] });

    expect(JSON.stringify(view.blocks)).toContain(
      'Who may approve: no approver is configured (not the requester)',
    );
  });
});

describe('renderApprovalDecision', () => {
  it.each([
    [
      { decision: 'approved' as const, decidedBy: 'U0APPROVER', decidedAt: 1767233000 },
      '✅ *Approved* by <@U0APPROVER> <!date^1767233000^{date_short_pretty} {time}|2026-01-01 02:03 UTC>; the change is queued',
      'weight 50 on address-service: approved by <@U0APPROVER>',
    ],
    [
      { status: 'rejected' as const, decidedBy: 'U0LEAD', decidedAt: 1767233000 },
      '❌ *Rejected* by <@U0LEAD> <!date^1767233000^{date_short_pretty} {time}|2026-01-01 02:03 UTC>; nothing changed',
      'weight 50 on address-service: rejected by <@U0LEAD>',
    ],
    [
      { status: 'pending' as const },
      '⌛ *Expired* <!date^1767236400^{date_short_pretty} {time}|2026-01-01 03:00 UTC>; nothing changed. Ask again with the command',
      'weight 50 on address-service: expired',
    ],
  ])('renders %j without buttons', (decision, outcome, text) => {
    const view = renderApprovalDecision({ ...approval, ...decision });

    expect(view.text).toBe(text);
    expect(view.blocks).toEqual([...requestTop('🔐 *Approval request:*'), mrkdwn(outcome)]);
  });
});

describe('renderHelp', () => {
  it('lists every command with <…> escaped for Slack', () => {
    const view = renderHelp();

    expect(view.blocks).toHaveLength(3);
    const usage = (view.blocks[1] as { text: { text: string } }).text.text;
    expect(usage.split('\n')).toHaveLength(17);
    expect(usage.split('\n')[2]).toBe(
      '`/gray deploy &lt;service&gt; [blue|green] &lt;version&gt;` — roll a version out to the idle slot (it gets no traffic yet)',
    );
    expect(usage.split('\n')[11]).toBe(
      '`/gray teardown &lt;service&gt; extend &lt;30m|2h|…&gt;` — run the scheduled teardown later',
    );
    expect(view.text).toBe(usage);
  });
});

describe('renderAppHome', () => {
  it('shows each service compactly with its warnings', () => {
    const view = renderAppHome([promoted()]);

    expect(view.type).toBe('home');
    expect(view.blocks.slice(1, 3)).toEqual([
      mrkdwn(
        '*address-service* · promoted\n*blue* 10% `1.0.0-fe220c2` · *green* (live) 90% `1.0.1-a1b2c3d`\nheader route: `x-latest-version` = `true` → green',
      ),
      mrkdwn(
        '⏳ *Busy:* `rollback` by <@U0REQUESTER> since <!date^1767233000^{time}|2026-01-01 02:03 UTC> (lock expires <!date^1767233720^{time}|2026-01-01 02:15 UTC>)',
      ),
    ]);
    expect(view.blocks).toHaveLength(5);
  });

  it('gives a set-up hint when no service is configured', () => {
    const view = renderAppHome([]);

    expect(view.blocks[1]).toEqual(
      mrkdwn(
        'No services are configured yet. Add one to `gray.config.yaml`, deploy gray, then release with `/gray deploy &lt;service&gt; &lt;version&gt;`.',
      ),
    );
  });

  it('stays within 100 blocks for 200 services and says how many were left out', () => {
    const statuses = Array.from({ length: 200 }, (_, i) => ({ ...promoted(), service: `svc-${i}` }));

    const view = renderAppHome(statuses);

    // Each service takes 3 blocks (summary, busy, drift): 32 fit in the 97 left by header, "more" and footer.
    expect(view.blocks).toHaveLength(99);
    expect(view.blocks[97]).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '…and 168 more services; `/gray status &lt;service&gt;` shows any of them' },
      ],
    });
  });
});

describe('renderError', () => {
  it('shows a user-facing message verbatim, escaped', () => {
    expect(renderError('route: type `/gray route <service> off`')).toEqual({
      text: '⚠️ route: type `/gray route &lt;service&gt; off`',
      blocks: [mrkdwn('⚠️ route: type `/gray route &lt;service&gt; off`')],
    });
  });

  it('hides an internal message behind its correlation id', () => {
    const view = renderError('connect ECONNREFUSED 10.0.0.1:443 token=abc', 'c0ffee');

    expect(view.text).toBe(
      '⚠️ gray hit an internal error (correlation id `c0ffee`); the team can find it in the logs',
    );
    expect(JSON.stringify(view)).not.toContain('ECONNREFUSED');
  });

  it('chooses from the error: exposed GrayErrors verbatim, anything else internal', async () => {
    const { ReleaseRefusedError } = await import('../../../functions/release/errors.js');

    expect(renderErrorReply(new ReleaseRefusedError('promote: nothing to promote'), 'id1').text).toBe(
      '⚠️ promote: nothing to promote',
    );
    expect(renderErrorReply(new TypeError('secret'), 'id1').text).toBe(
      '⚠️ gray hit an internal error (correlation id `id1`); the team can find it in the logs',
    );
  });
});

describe('Block Kit limits', () => {
  it('truncates button text to 75 and refuses an over-long value rather than cutting it', () => {
    expect(button({ text: 'x'.repeat(100), actionId: 'a', value: 'v' }).text.text).toHaveLength(75);
    expect(() => button({ text: 'x', actionId: 'a', value: 'v'.repeat(2001) })).toThrow(RangeError);
    expect(() => button({ text: 'x', actionId: 'a'.repeat(256), value: 'v' })).toThrow(RangeError);
  });

  it('never cuts a Slack date or an escape in half', () => {
    const date = slackDate(1767232800);

    expect(truncate(`${'a'.repeat(20)}${date}`, 40)).toBe(`${'a'.repeat(20)}…`);
    expect(truncate('abc &amp; def', 8)).toBe('abc …');
    expect(truncate('short', 40)).toBe('short');
  });

  it.each([
    [0, '░░░░░░░░░░'],
    [1, '█░░░░░░░░░'],
    [25, '███░░░░░░░'],
    [50, '█████░░░░░'],
    [99, '█████████░'],
    [100, '██████████'],
  ])('draws %i%% as %s', (percent, bar) => {
    expect(weightBar(percent)).toBe(bar);
  });

  it('keeps at most 50 blocks and says how many were left out', () => {
    const blocks = limitBlocks(Array.from({ length: 60 }, () => ({ type: 'divider' as const })));

    expect(blocks).toHaveLength(50);
    expect(blocks[49]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '…11 more not shown' }],
    });
  });

  it('packs lines into as few 3,000-character sections as fit', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')} ${'y'.repeat(97)}`);

    const blocks = sections(lines);

    expect(blocks).toHaveLength(2);
    expect(textsOf(blocks).map((t) => t.split('\n').length)).toEqual([29, 21]);
  });
});
