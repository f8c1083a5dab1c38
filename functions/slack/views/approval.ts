/**
 * Approval requests in the channel: who asks for what (routing before → after), why an approver is
 * needed, until when, who may approve, and Approve/Reject buttons; then the same message with the
 * decision and no buttons.
 */
import type { HeaderRoute, Weights } from '../../release/types.js';
import {
  button,
  code,
  context,
  escapeText,
  fallback,
  fields,
  type KnownBlock,
  type MessageView,
  mention,
  mentions,
  section,
  slackDate,
} from './blocks.js';
import { describeHeaderRoute } from './status.js';

/** Routing shown on each side of an approval: weights (percent) and the header route. */
export interface RoutingView {
  weights: Weights;
  headerRoute?: HeaderRoute;
}

/** An approval request as the views need it (an ApprovalRecord fits). Times are epoch seconds. */
export interface ApprovalView {
  approvalId: string;
  service: string;
  /** Human summary of the held-back command, e.g. `weight 50`. */
  summary: string;
  /** Slack user id of who asked. */
  requester: string;
  reason: string;
  before: RoutingView;
  after: RoutingView;
  /** Epoch seconds. */
  expiresAt: number;
  /** Slack user ids allowed to approve (never the requester). */
  approvers: string[];
}

/** The decided request: `decision` wins; else a stored `status` (`pending` past expiry means expired). */
export interface ApprovalDecisionView extends ApprovalView {
  decision?: 'approved' | 'rejected' | 'expired';
  status?: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  /** Epoch seconds; for an expiry, defaults to `expiresAt`. */
  decidedAt?: number;
}

function routing(view: RoutingView): string {
  return `blue ${view.weights.blue}% · green ${view.weights.green}%\nheader route: ${describeHeaderRoute(view.headerRoute)}`;
}

function requestBlocks(a: ApprovalView, lead: string): KnownBlock[] {
  return [
    section(`${lead} ${mention(a.requester)} asks to run ${code(a.summary)} on *${escapeText(a.service)}*`),
    fields(`*Before*\n${routing(a.before)}`, `*After*\n${routing(a.after)}`),
    section(`*Why approval:* ${escapeText(a.reason)}`),
  ];
}

/** renderApprovalRequest(a): the channel message asking for approval, with Approve/Reject buttons (value: approvalId). */
export function renderApprovalRequest(a: ApprovalView): MessageView {
  return {
    text: `🔐 ${mention(a.requester)} asks for approval: ${fallback(`${a.summary} on ${a.service}`)}`,
    blocks: [
      ...requestBlocks(a, '🔐 *Approval needed:*'),
      context(
        `Expires ${slackDate(a.expiresAt)}`,
        `Who may approve: ${mentions(a.approvers, 'no approver is configured')} (not the requester)`,
      ),
      {
        type: 'actions',
        elements: [
          button({ text: 'Approve', actionId: 'gray_approve', value: a.approvalId, style: 'primary' }),
          button({ text: 'Reject', actionId: 'gray_reject', value: a.approvalId, style: 'danger' }),
        ],
      },
    ],
  };
}

/** The decision of a request: the explicit one, or the stored status (`pending` means it expired). */
export function decisionOf(a: ApprovalDecisionView): 'approved' | 'rejected' | 'expired' {
  if (a.decision) return a.decision;
  return a.status === 'approved' || a.status === 'rejected' ? a.status : 'expired';
}

/** renderApprovalDecision(a): the request message after its decision: who decided and when; no buttons. */
export function renderApprovalDecision(a: ApprovalDecisionView): MessageView {
  const decision = decisionOf(a);
  const at = slackDate(a.decidedAt ?? a.expiresAt);
  const by = a.decidedBy ? ` by ${mention(a.decidedBy)}` : '';
  const outcome =
    decision === 'approved'
      ? `✅ *Approved*${by} ${at}; the change is queued`
      : decision === 'rejected'
        ? `❌ *Rejected*${by} ${at}; nothing changed`
        : `⌛ *Expired* ${at}; nothing changed. Ask again with the command`;
  return {
    text: `${fallback(`${a.summary} on ${a.service}`)}: ${decision}${decision === 'expired' ? '' : by}`,
    blocks: [...requestBlocks(a, '🔐 *Approval request:*'), section(outcome)],
  };
}
