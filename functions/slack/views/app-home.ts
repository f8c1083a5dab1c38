/** App Home: every configured service's release at a glance. */
import type { types } from '@slack/bolt';
import type { ReleaseStatus } from '../../release/status.js';
import { SLOTS } from '../../release/types.js';
import { code, context, escapeText, header, type KnownBlock, LIMITS, section } from './blocks.js';
import { describeHeaderRoute, slotVersion, warningBlocks } from './status.js';

/** The Home tab view published with `views.publish`. */
export type HomeView = types.HomeView;

function summaryBlock(status: ReleaseStatus): KnownBlock {
  const { record } = status;
  const weights = status.live.weights ?? record.weights;
  const slots = SLOTS.map((slot) => {
    const version = slotVersion(status, slot);
    return `*${slot}*${record.live === slot ? ' (live)' : ''} ${weights[slot]}%${version ? ` ${code(version)}` : ''}`;
  });
  const lines = [`*${escapeText(status.service)}* · ${record.phase}`, slots.join(' · ')];
  const route = status.live.headerRoute ?? record.headerRoute;
  if (route) lines.push(`header route: ${describeHeaderRoute(route)}`);
  return section(lines.join('\n'));
}

/**
 * renderAppHome(statuses): a `home` view with one compact block (plus busy/drift warnings) per
 * service, or a set-up hint when none is configured; ≤ 100 blocks (Slack's limit for views).
 */
export function renderAppHome(statuses: readonly ReleaseStatus[]): HomeView {
  const footer = context(
    escapeText(
      'Type `/gray help` in a channel for the commands; `/gray status <service>` shows readiness and drift.',
    ),
  );
  if (statuses.length === 0) {
    return {
      type: 'home',
      blocks: [
        header('gray releases'),
        section(
          'No services are configured yet. Add one to `gray.config.yaml`, deploy gray, then release with `/gray deploy &lt;service&gt; &lt;version&gt;`.',
        ),
        footer,
      ],
    };
  }
  // Whole services only: header, footer and a "more" line take 3 of Slack's 100 blocks.
  const body: KnownBlock[] = [];
  let shown = 0;
  for (const status of statuses) {
    const blocks = [summaryBlock(status), ...warningBlocks(status)];
    if (body.length + blocks.length > LIMITS.blocksPerView - 3) break;
    body.push(...blocks);
    shown += 1;
  }
  if (shown < statuses.length) {
    body.push(
      context(
        `…and ${statuses.length - shown} more services; \`/gray status &lt;service&gt;\` shows any of them`,
      ),
    );
  }
  return { type: 'home', blocks: [header('gray releases'), ...body, footer] };
}
