import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { type GrayCli, grayCliFor } from '../../support/cli-runner.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

let stack: ReleaseStack;
let gray: GrayCli;

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  gray = grayCliFor(stack);
});
afterEach(() => stack.close());

describe('gray CLI', () => {
  it('deploys and shifts weight, printing the result lines', async () => {
    const deployed = await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');
    const shifted = await gray('weight', 'address-service', '25');

    expect(deployed.code).toBe(0);
    expect(deployed.err).toContain('… rolling out green: 2/2 ready');
    expect(shifted).toEqual({ code: 0, out: 'address-service: blue 75% / green 25%', err: '' });
  });

  it('--dry-run prints the planned VirtualService diff and changes nothing', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');
    stack.kube.clearLog();
    const recordBefore = await stack.store.get('address-service');

    const result = await gray('--dry-run', 'weight', 'address-service', '25');

    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe('(dry run, not applied) address-service: blue 75% / green 25%');
    expect(result.out).toContain('--dry-run: nothing was changed. Planned changes:');
    expect(result.out).toContain('--- VirtualService happyride/address-service-deployment (live)');
    expect(result.out).toContain('-          weight: 100\n+          weight: 75');
    expect(result.out).toContain('-          weight: 0\n+          weight: 25');
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await stack.store.get('address-service')).toEqual(recordBefore);
  });

  it('--dry-run of a step that needs approval shows what --approve would change, and changes nothing', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');
    stack.kube.clearLog();
    const recordBefore = await stack.store.get('address-service');
    const historyBefore = await stack.store.history('address-service', 10);

    const result = await gray('--dry-run', 'weight', 'address-service', '60');

    expect(result.code).toBe(3);
    const [asked, blank, footer, ...diff] = result.out.split('\n');
    expect([asked, blank, footer]).toEqual([
      "approval required for weight 60: a step of 60 points is above address-service's max step of 25 without approval; re-run with --approve to approve it yourself",
      '',
      '--dry-run: nothing was changed. Planned changes once approved (--approve):',
    ]);
    expect(diff.join('\n')).toContain('-          weight: 100\n+          weight: 40');
    expect(diff.join('\n')).toContain('-          weight: 0\n+          weight: 60');
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await stack.store.get('address-service')).toEqual(recordBefore);
    expect(await stack.store.history('address-service', 10)).toEqual(historyBefore);
  });

  it('--json answers a step that needs approval with exit 3, and a dry run with one JSON document', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');
    stack.kube.clearLog();

    const asked = await gray('--json', 'weight', 'address-service', '60');
    const dry = await gray('--json', '--dry-run', 'weight', 'address-service', '60');

    expect(asked.code).toBe(3);
    expect(JSON.parse(asked.out)).toMatchObject({ kind: 'approval-required', summary: 'weight 60' });
    expect(dry.code).toBe(3);
    const document = JSON.parse(dry.out);
    expect(document).toMatchObject({
      dryRun: true,
      result: { kind: 'approval-required', summary: 'weight 60' },
    });
    expect(document.plannedChanges).toContain('-          weight: 0\n+          weight: 60');
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it.each([
    [
      ['weight', 'address-service', '150'],
      'invalid_input',
      'weight "150" must be a whole percent from 0 to 100, like gray weight address-service 25',
      2,
    ],
    [['weight', 'address-service'], 'usage', "missing required argument 'percent'", 2],
    [[], 'usage', 'no command given; gray --help lists the commands', 2],
    [
      ['teardown', 'address-service', 'blue'],
      'refused',
      'teardown: address-service blue is the live slot; promote or roll back to the other slot first, then tear blue down',
      1,
    ],
  ])(
    '--json answers %j with one error document on stdout, the text on stderr',
    async (args, code, message, exitCode) => {
      const result = await gray('--json', ...args);

      expect(result.code).toBe(exitCode);
      expect(JSON.parse(result.out)).toEqual({ error: { code, message, exitCode } });
      // A bare `gray` prints the help as its text answer.
      expect(result.err).toContain(args.length > 0 ? message : 'Usage: gray [options] [command]');
    },
  );

  it('--dry-run of an approval step that would be refused even approved says so and still exits 3', async () => {
    const result = await gray('--dry-run', 'weight', 'address-service', '60');

    expect(result.code).toBe(3);
    expect(result.err).toBe(
      'gray: with --approve it would still not run: weight: address-service has no release in green; deploy one first with gray deploy address-service green <version>',
    );
    expect(result.out.split('\n').slice(2)).toEqual([
      '--dry-run: nothing was changed. Planned changes once approved (--approve):',
      '(none)',
    ]);
  });

  it('refuses a --kubeconfig that does not exist before anything is locked or audited (exit 2)', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');
    const historyBefore = await stack.store.history('address-service', 10);

    expect(await gray('--kubeconfig', '/nonexistent/kubeconfig', 'weight', 'address-service', '20')).toEqual({
      code: 2,
      out: '',
      err: 'gray: kubeconfig /nonexistent/kubeconfig does not exist; pass --kubeconfig <file> with the path of an existing kubeconfig',
    });
    expect(await stack.store.history('address-service', 10)).toEqual(historyBefore);
    expect(await stack.store.getLock('address-service')).toBeUndefined();
  });

  it.each([
    [['weight', 'address-service', '101'], 2, 'gray: weight "101" must be a whole percent from 0 to 100'],
    [
      ['deploy', 'address-service', 'green', '1.0'],
      2,
      'gray: version "1.0" must be semver plus the git short SHA',
    ],
    [['weight', 'billing', '5'], 2, 'gray: unknown service "billing"; configured services: address-service'],
    [['history', 'address-service', 'abc'], 2, 'gray: history: n "abc" must be a whole number from 1 to 100'],
    [['weight', 'address-service', '150'], 2, 'like gray weight address-service 25'],
    [
      ['route', 'address-service', 'off', 'extra'],
      2,
      'gray: route: off takes nothing after it; type `gray route address-service off`',
    ],
    [
      ['teardown', 'address-service', 'cancle', '2h'],
      2,
      'gray: slot "cancle" is not blue or green; type blue or green, like gray teardown address-service blue',
    ],
    [
      ['teardown', 'address-service', 'purple'],
      2,
      'gray: slot "purple" is not blue or green; type blue or green, like gray teardown address-service blue',
    ],
    [
      ['deploy', 'address-service', 'blue', '1.0.1-3b7c9e1'],
      1,
      'gray: deploy: address-service blue carries 100% of traffic',
    ],
  ])('refuses %j with exit %i and a message saying what to do', async (args, exit, message) => {
    const result = await gray(...args);

    expect(result.code).toBe(exit);
    expect(result.err).toContain(message);
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('follows a missing argument with the command usage and an example (exit 2), changing nothing', async () => {
    const result = await gray('weight', '25');

    expect(result.code).toBe(2);
    expect(result.err).toBe(
      [
        "gray: missing required argument 'percent'",
        '',
        'Usage: gray weight [options] <service> <percent>',
        '',
        'send <percent> of traffic to the new slot',
        '',
        'Options:',
        '  -h, --help  display help for command',
        '',
        'Examples:',
        '  gray weight address-service 25',
      ].join('\n'),
    );
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('answers a mistyped command name with the closest one and where the list is, not the whole help', async () => {
    expect(await gray('stauts')).toEqual({
      code: 2,
      out: '',
      err: [
        "gray: unknown command 'stauts'",
        '(Did you mean status?)',
        '(gray --help lists the commands)',
      ].join('\n'),
    });
  });

  it('refuses a duration on a teardown of a slot instead of tearing it down now (exit 2)', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');
    stack.kube.clearLog();

    expect(await gray('teardown', 'address-service', 'green', '2h')).toEqual({
      code: 2,
      out: '',
      err: 'gray: teardown: "2h" goes only with extend; type `gray teardown address-service extend 2h` to postpone the scheduled teardown, or `gray teardown address-service green` alone',
    });
    expect(stack.kube.requests).toEqual([]);
  });

  it('asks for approval on a big step (exit 3) and applies it with --approve', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');

    const asked = await gray('weight', 'address-service', '60');
    const approved = await gray('--approve', 'weight', 'address-service', '60');

    expect(asked.code).toBe(3);
    expect(asked.out).toBe(
      "approval required for weight 60: a step of 60 points is above address-service's max step of 25 without approval; re-run with --approve to approve it yourself",
    );
    expect(approved).toMatchObject({ code: 0, out: 'address-service: blue 40% / green 60%' });
  });

  it('status --json reports recorded and live weights', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');
    await gray('weight', 'address-service', '5');

    const result = await gray('--json', 'status', 'address-service');
    const [status] = JSON.parse(result.out) as {
      record: { weights: unknown; phase: string };
      live: { weights: unknown };
      drift: string[];
    }[];

    expect(status).toMatchObject({
      record: { weights: { blue: 95, green: 5 }, phase: 'shifting' },
      live: { weights: { blue: 95, green: 5 } },
      drift: [],
    });
  });
});
