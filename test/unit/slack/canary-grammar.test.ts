import { describe, expect, it } from 'vitest';
import { type ResolvedWriteCommand, summarizeCommand } from '../../../functions/release/commands.js';
import { parseGrayCommand, usageOf } from '../../../functions/slack/command-grammar.js';

const CANARY_USAGE =
  'canary: type `/gray canary <service> [steps 1,5,25,50,100] [every 5m]` or `/gray canary <service> pause|resume|abort`, like `/gray canary address-service steps 1,5,25,50,100 every 5m`';

describe('parseGrayCommand: canary', () => {
  it.each([
    ['canary address-service', { verb: 'canary', service: 'address-service' }],
    [
      'canary address-service steps 1,5,25,50,100 every 5m',
      { verb: 'canary', service: 'address-service', steps: [1, 5, 25, 50, 100], interval: 300 },
    ],
    [
      '*canary* Address-Service steps 1, 5, 25 EVERY 2m',
      { verb: 'canary', service: 'address-service', steps: [1, 5, 25], interval: 120 },
    ],
    ['canary address-service every 1h', { verb: 'canary', service: 'address-service', interval: 3600 }],
    ['canary address-service pause', { verb: 'canary-pause', service: 'address-service' }],
    ['canary address-service `resume`', { verb: 'canary-resume', service: 'address-service' }],
    ['canary address-service ABORT', { verb: 'canary-abort', service: 'address-service' }],
  ])('reads %s', (text, command) => {
    expect(parseGrayCommand(text)).toEqual(command);
  });

  it.each([
    ['canary', CANARY_USAGE],
    ['canary address-service faster', CANARY_USAGE],
    ['canary address-service pause now', CANARY_USAGE],
    [
      'canary 25',
      'canary: "25" is not a service name (lower-case letters, digits and -, like address-service); type `/gray canary <service> [steps 1,5,25,50,100] [every 5m]` or `/gray canary <service> pause|resume|abort`, like `/gray canary address-service steps 1,5,25,50,100 every 5m`',
    ],
    [
      'canary address-service steps 50,25',
      'canary: steps must increase, but 25 follows 50; like steps 1,5,25,50,100',
    ],
    [
      'canary address-service every 10s',
      'canary: every "10s" is not an interval from 1m to 1d; write it like every 5m',
    ],
  ])('refuses %s', (text, message) => {
    expect(() => parseGrayCommand(text)).toThrow(message);
  });

  it('suggests canary for a typo', () => {
    expect(() => parseGrayCommand('canry address-service')).toThrow(
      'unknown command "canry"; did you mean `/gray canary`? Type `/gray help` for all commands',
    );
  });

  it('gives both canary forms in its usage', () => {
    expect(`canary: type ${usageOf('canary')}`).toBe(CANARY_USAGE);
  });
});

describe('summarizeCommand: canary', () => {
  it.each([
    [{ verb: 'canary', service: 's' }, 'canary'],
    [{ verb: 'canary', service: 's', steps: [1, 5, 100], interval: 300 }, 'canary steps 1,5,100 every 5m'],
    [{ verb: 'canary-pause', service: 's' }, 'canary pause'],
    [{ verb: 'canary-resume', service: 's' }, 'canary resume'],
    [{ verb: 'canary-abort', service: 's' }, 'canary abort'],
  ] as [ResolvedWriteCommand, string][])('summarizes %j as %s', (command, summary) => {
    expect(summarizeCommand(command)).toBe(summary);
  });
});
