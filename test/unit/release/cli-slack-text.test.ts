// History and status lines, CLI and Slack. A history success says where it left the release (each
// slot's version and weight, the header route with its value and slot), so a deploy to the idle slot
// and a header route read whole from the history alone.
import { describe, expect, it } from 'vitest';
import { renderHistoryText, renderStatusText } from '../../../functions/cli/format.js';
import { type AuditEvent, describeSnapshot, type ReleaseSnapshot } from '../../../functions/release/types.js';
import { renderHistory } from '../../../functions/slack/views/history.js';

const AT = Date.UTC(2026, 10, 30, 9, 15, 0);

const canaryRouted: ReleaseSnapshot = {
  live: 'blue',
  weights: { blue: 75, green: 25 },
  versions: { blue: '1.3.0-abc1234', green: '1.4.0-fe220c2' },
  headerRoute: { header: 'x-latest-version', values: ['true'], slot: 'green' },
  phase: 'shifting',
};

const event = (overrides: Partial<AuditEvent>): AuditEvent => ({
  service: 'address-service',
  at: AT,
  id: 'e1',
  actor: 'alice',
  action: 'route',
  summary: 'route header x-latest-version',
  result: 'succeeded',
  after: canaryRouted,
  ...overrides,
});

describe('describeSnapshot', () => {
  it('names each slot with its version and weight, then the header route and its slot', () => {
    expect(describeSnapshot(canaryRouted)).toBe(
      'blue 1.3.0-abc1234 75 / green 1.4.0-fe220c2 25; x-latest-version=true → green',
    );
  });

  it('leaves out the version of a slot that has none, and the route when there is none', () => {
    expect(
      describeSnapshot({
        live: 'blue',
        weights: { blue: 100, green: 0 },
        versions: { blue: '1.0.0-fe220c2' },
        phase: 'stable',
      }),
    ).toBe('blue 1.0.0-fe220c2 100 / green 0');
  });

  it('names at most five users of a cohort and counts the rest', () => {
    const route = {
      header: 'x-user',
      values: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'],
      slot: 'green' as const,
    };
    expect(describeSnapshot({ ...canaryRouted, headerRoute: route })).toBe(
      'blue 1.3.0-abc1234 75 / green 1.4.0-fe220c2 25; x-user in (u1, u2, u3, u4, u5, +2 more) → green',
    );
  });
});

describe('history lines', () => {
  it('gray history: a success shows the release after it, a refusal its reason', () => {
    const refused = event({
      id: 'e2',
      action: 'weight',
      summary: 'weight 90',
      result: 'refused',
      reason: 'busy',
    });
    expect(renderHistoryText('address-service', [event({}), refused])).toBe(
      [
        '2026-11-30 09:15:00  alice        route header x-latest-version  succeeded → blue 1.3.0-abc1234 75 / green 1.4.0-fe220c2 25; x-latest-version=true → green',
        '2026-11-30 09:15:00  alice        weight 90                      refused: busy',
      ].join('\n'),
    );
  });

  it('/gray history: the same line in mrkdwn, the header value escaped, gray’s own mentions kept', async () => {
    const odd = {
      ...canaryRouted,
      headerRoute: { header: 'x-v', values: ['a<b>&c'], slot: 'green' as const },
    };
    const refused = event({
      id: 'e2',
      actor: 'U0MALLORY',
      summary: 'weight `90`',
      result: 'refused',
      reason: "<@U0MALLORY> is not in address-service's allowedUsers; ask one of <@U0APPROVER> (<!channel>)",
    });
    const { blocks } = renderHistory('address-service', [event({ after: odd }), refused]);
    const when = `<!date^${AT / 1000}^{date_short_pretty} {time}|2026-11-30T09:15:00.000Z>`;
    const line = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
    expect(blocks.slice(1)).toEqual([
      // A CLI actor is plain text, not a broken mention.
      line(
        `✅ ${when} alice \`route header x-latest-version\` → blue 1.3.0-abc1234 75 / green 1.4.0-fe220c2 25; x-v=a&lt;b&gt;&amp;c → green`,
      ),
      line(
        `⛔ ${when} <@U0MALLORY> \`weight ˋ90ˋ\`: <@U0MALLORY> is not in address-service's allowedUsers; ask one of <@U0APPROVER> (&lt;!channel&gt;)`,
      ),
    ]);
  });

  it('/gray history: a long cohort is cut per value and the line keeps its target slot', () => {
    const values = Array.from({ length: 9 }, (_, i) => `${'<'.repeat(250)}${i}`);
    const after = { ...canaryRouted, headerRoute: { header: 'x-user', values, slot: 'green' as const } };
    const text = (
      renderHistory('address-service', [event({ after })]).blocks[1] as { elements: { text: string }[] }
    ).elements[0]!.text;
    const cut = `${'&lt;'.repeat(39)}…`;
    expect(text.endsWith(`; x-user in (${[cut, cut, cut, cut, cut].join(', ')}, +4 more) → green`)).toBe(
      true,
    );
    expect(text.length).toBeLessThanOrEqual(3000);
  });
});

describe('gray status text', () => {
  const record = {
    service: 'address-service',
    version: 0,
    live: 'blue' as const,
    slots: {
      blue: {
        version: '1.0.0-fe220c2',
        image: 'happyride/happyride-address-service:1.0.0-fe220c2',
        replicas: 2,
        deployedAt: 1_796_000_000,
        status: 'ready' as const,
      },
    },
    weights: { blue: 100, green: 0 },
    phase: 'stable' as const,
    updatedAt: 1_796_000_000,
    updatedBy: 'gray',
  };
  const running = { desired: 2, updated: 2, ready: 2, available: 2, done: true, version: '1.0.0-fe220c2' };

  it('calls a slot gray never deployed empty, as Slack does, and a recorded one gone from the cluster by that', () => {
    const first = renderStatusText({
      service: 'address-service',
      record,
      recorded: false,
      live: { virtualService: true, weights: { blue: 100, green: 0 }, slots: { blue: running } },
      drift: [],
    });
    const missing = renderStatusText({
      service: 'address-service',
      record: {
        ...record,
        slots: { ...record.slots, green: { ...record.slots.blue, version: '1.0.1-3b7c9e1' } },
      },
      recorded: true,
      live: { virtualService: true, weights: { blue: 100, green: 0 }, slots: { blue: running } },
      drift: [],
    });

    expect(first.split('\n').slice(0, 3)).toEqual([
      'address-service  phase: stable  live: blue  (not yet recorded by gray)',
      `  blue  ${'█'.repeat(20)} 100%  1.0.0-fe220c2            2/2 ready`,
      `  green ${'░'.repeat(20)}   0%  -                        empty`,
    ]);
    expect(missing.split('\n')[2]).toBe(
      `  green ${'░'.repeat(20)}   0%  1.0.1-3b7c9e1            no Deployment`,
    );
  });
});
