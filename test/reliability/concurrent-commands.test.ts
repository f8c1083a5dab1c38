// Figure `lost-updates`: 1,000 conflicting commands fired at 20 services in waves — on each service five
// at once, three through signed Slack commands (ack + the worker's job) and two straight into the use cases (as
// the CLI does) — must lose no update: every command ends succeeded, busy, refused or failed with a reason;
// every success is in its service's audit chain, each change starting from the state the previous one left
// (no write based on a stale read); and at the end every record equals its cluster, with no lock left.
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type { ResolvedWriteCommand } from '../../functions/release/commands.js';
import { GrayError } from '../../functions/release/errors.js';
import { executeCommand } from '../../functions/release/execute.js';
import type { AuditEvent } from '../../functions/release/types.js';
import { recordVsCluster } from './support/consistency.js';
import { expectFigure, FigureTally } from './support/figures.js';
import { prng } from './support/random.js';
import {
  deployFirstReleases,
  type HandlerReply,
  type ReliabilityStack,
  serviceNames,
  startReliabilityStack,
} from './support/reliability-stack.js';

const SERVICES = serviceNames(20);
const WAVES = 10;
const SLACK_PER_SERVICE = 3;
const DIRECT_PER_SERVICE = 2;
let stack: ReliabilityStack;

/** How one command ended, and the operation that ran it when it ran. */
interface Outcome {
  label: string;
  service: string;
  state: 'succeeded' | 'busy' | 'refused' | 'failed' | 'unknown';
  reason: string;
  operationId?: string;
}

beforeAll(async () => {
  stack = await startReliabilityStack(inject('dynamoEndpoint'), { services: SERVICES });
  await deployFirstReleases(stack.release, SERVICES);
});
afterAll(() => stack.close());

/** A conflicting command for `service` from the PRNG: weights, header and user routes, route off, promote, rollback. */
function randomCommand(random: ReturnType<typeof prng>, service: string, tag: string): ResolvedWriteCommand {
  switch (random.next(7)) {
    case 0:
    case 1:
      return { verb: 'weight', service, weight: random.next(101) };
    case 2:
      return { verb: 'route', service, route: { header: 'x-canary', value: tag } };
    case 3:
      return { verb: 'route', service, route: { users: [`u-${tag}`, 'u-fixed'] } };
    case 4:
      return { verb: 'route', service, route: { off: true } };
    case 5:
      return { verb: 'promote', service };
    default:
      return { verb: 'rollback', service };
  }
}

/** The `/gray` text of a command. */
function commandText(command: ResolvedWriteCommand): string {
  if (command.verb === 'weight') return `weight ${command.service} ${command.weight}`;
  if (command.verb !== 'route') return `${command.verb} ${command.service}`;
  const route = command.route;
  if ('off' in route) return `route ${command.service} off`;
  if ('users' in route) return `route ${command.service} users ${route.users.join(',')}`;
  return `route ${command.service} header ${route.header}=${route.value}`;
}

const textOf = (reply: HandlerReply) =>
  typeof reply.body === 'string' ? reply.body : (reply.body.text ?? '');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Through functions/slack.ts: the ack hands the command over; the worker's job answers on the response
 * URL (queued, or busy / refused) and runs the queued operation; then the operation's final state.
 */
async function viaSlack(command: ResolvedWriteCommand, id: string, delay: number): Promise<Outcome> {
  await pause(delay);
  const label = `slack /gray ${commandText(command)}`;
  const reply = await stack.command(commandText(command), id, `U0${id.replaceAll('-', '')}`);
  if (reply.statusCode !== 200 || !textOf(reply).startsWith('on its way: '))
    return {
      label,
      service: command.service,
      state: 'unknown',
      reason: `ack ${reply.statusCode}: ${textOf(reply)}`,
    };
  await stack.commandDone(id);
  const text = stack.answers(id).join(' | ');
  const operationId = /^queued: .*\(operation ([0-9a-f-]{36})\)/.exec(text)?.[1];
  if (!operationId) {
    const state = / is busy: /.test(text) ? 'busy' : text.startsWith('⚠️') ? 'refused' : 'unknown';
    return { label, service: command.service, state, reason: text };
  }
  const operation = await stack.runtime.worker.operations.getOperation(
    operationId,
    Math.floor(stack.clock.now() / 1000),
  );
  const state = operation?.state;
  return {
    label,
    service: command.service,
    state: state === 'succeeded' || state === 'refused' || state === 'failed' ? state : 'unknown',
    reason: operation?.result ?? `operation ${state}`,
    operationId,
  };
}

/** Straight into the use case, as the CLI calls it. */
async function direct(command: ResolvedWriteCommand, id: string, delay: number): Promise<Outcome> {
  await pause(delay);
  const label = `use case ${commandText(command)}`;
  try {
    const done = await executeCommand(stack.release, command, { actor: `cli-${id}` });
    if (done.kind !== 'done') return { label, service: command.service, state: 'unknown', reason: done.kind };
    return {
      label,
      service: command.service,
      state: 'succeeded',
      reason: done.message,
      operationId: done.operationId,
    };
  } catch (error) {
    const code = error instanceof GrayError ? error.code : 'internal';
    const state =
      code === 'busy'
        ? 'busy'
        : code === 'internal'
          ? 'unknown'
          : ['conflict', 'cluster_unavailable'].includes(code)
            ? 'failed'
            : 'refused';
    return { label, service: command.service, state, reason: `${code}: ${(error as Error).message}` };
  }
}

const snapshot = (value: unknown) => JSON.stringify(value, Object.keys(value as object).sort());
const sameState = (a: AuditEvent['after'], b: AuditEvent['before']) =>
  JSON.stringify(a && { ...a, weights: { blue: a.weights.blue, green: a.weights.green } }) ===
  JSON.stringify(b && { ...b, weights: { blue: b.weights.blue, green: b.weights.green } });

/**
 * The service's committed changes in commit order, and where the chain breaks: a change whose `before` is
 * not the `after` of the change committed just before it was based on a stale read.
 */
async function auditChain(service: string): Promise<{ events: AuditEvent[]; breaks: string[] }> {
  const events = (await stack.release.store.history(service, 500))
    .filter((e) => e.before && e.after)
    .reverse();
  const breaks: string[] = [];
  for (let i = 1; i < events.length; i++) {
    const previous = events[i - 1]!;
    const event = events[i]!;
    if (!sameState(previous.after, event.before))
      breaks.push(
        `${event.summary} (${event.operationId}) started from ${snapshot(event.before)}, but ${previous.summary} had left ${snapshot(previous.after)}`,
      );
  }
  return { events, breaks };
}

describe('concurrent conflicting commands', () => {
  it('figure: lost-updates — 1,000 commands on 20 services, record = cluster at the end', async (context) => {
    const tally = new FigureTally('lost-updates');
    const random = prng(20_260_801);
    const outcomes: Outcome[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const runs: Promise<Outcome>[] = [];
      for (const service of SERVICES) {
        for (let i = 0; i < SLACK_PER_SERVICE + DIRECT_PER_SERVICE; i++) {
          const id = `${service}-w${wave}-${i}`;
          const command = randomCommand(random, service, `w${wave}-${i}`);
          const delay = random.next(40);
          runs.push(i < SLACK_PER_SERVICE ? viaSlack(command, id, delay) : direct(command, id, delay));
        }
      }
      outcomes.push(...(await Promise.all(runs)));
      await stack.dispatcher.idle();
    }
    const problemsOf = new Map<string, string[]>();
    for (const service of SERVICES) {
      const { events, breaks } = await auditChain(service);
      const mismatch = await recordVsCluster(stack.release, stack.kube, service);
      const succeeded = new Set(
        outcomes.filter((o) => o.service === service && o.state === 'succeeded').map((o) => o.operationId),
      );
      const phantom = events.filter(
        (e) => e.result === 'succeeded' && e.actor !== 'U0SETUP' && !succeeded.has(e.operationId),
      );
      problemsOf.set(service, [
        ...breaks.map((b) => `lost update: ${b}`),
        ...mismatch.map((m) => `record ≠ cluster: ${m}`),
        ...phantom.map(
          (e) => `audit shows ${e.summary} (${e.operationId}) succeeded, no command reported it`,
        ),
      ]);
      for (const outcome of outcomes.filter((o) => o.service === service && o.state === 'succeeded')) {
        const own = events.filter((e) => e.operationId === outcome.operationId && e.result === 'succeeded');
        if (own.length !== 1)
          problemsOf
            .get(service)!
            .push(`${outcome.label} reported success but has ${own.length} committed changes`);
      }
    }
    for (const outcome of outcomes) {
      const problems = [...(problemsOf.get(outcome.service) ?? [])];
      if (outcome.state === 'unknown') problems.push(`ended without a known outcome: ${outcome.reason}`);
      if (outcome.state !== 'succeeded' && outcome.reason.trim() === '')
        problems.push(`${outcome.state} without a reason`);
      if (/internal error/.test(outcome.reason)) problems.push(`internal error: ${outcome.reason}`);
      tally.check(`${outcome.label}`, problems);
    }
    const count = (state: Outcome['state']) => outcomes.filter((o) => o.state === state).length;
    tally.note(
      `outcomes: ${count('succeeded')} succeeded, ${count('busy')} busy, ${count('refused')} refused, ${count('failed')} failed, ${count('unknown')} unknown`,
    );
    expectFigure(context, tally, 1000);
  });
});
