import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCanaryArgs } from '../../../../functions/release/canary/command.js';
import { parseCanarySteps, validateCanarySteps } from '../../../../functions/release/canary/steps.js';

describe('validateCanarySteps', () => {
  it('keeps a plan that ends at the maximum', () => {
    expect(validateCanarySteps([1, 5, 25, 50, 100], 100)).toEqual({ steps: [1, 5, 25, 50, 100] });
  });

  it('clamps a last step below the maximum to it and says which it was', () => {
    expect(validateCanarySteps([1, 5, 25], 100)).toEqual({ steps: [1, 5, 100], clamped: 25 });
    expect(validateCanarySteps([10], 50)).toEqual({ steps: [50], clamped: 10 });
  });

  it.each([
    [[5, 5, 100], 100, 'canary: steps must increase, but 5 follows 5; like steps 1,5,25,50,100'],
    [[50, 25, 100], 100, 'canary: steps must increase, but 25 follows 50; like steps 1,5,25,50,100'],
    [[0, 50, 100], 100, 'canary: step 0 is not a whole percent from 1 to 100; like steps 1,5,25,50,100'],
    [[1, 2.5, 100], 100, 'canary: step 2.5 is not a whole percent from 1 to 100; like steps 1,5,25,50,100'],
    [[1, 5, 100], 50, 'canary: step 100 is above the maximum weight 50; like steps 1,5,25,50,50'],
    [[], 100, 'canary: give 1 to 20 steps, like steps 1,5,25,50,100'],
    [
      Array.from({ length: 21 }, (_, i) => i + 1),
      100,
      'canary: give 1 to 20 steps, like steps 1,5,25,50,100',
    ],
  ])('refuses %j (max %i)', (steps, max, message) => {
    expect(() => validateCanarySteps(steps, max)).toThrow(message);
  });

  it('always ends at the maximum and keeps every earlier step (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 20 }),
        (max, raw) => {
          const steps = raw.filter((s) => s <= max).sort((a, b) => a - b);
          fc.pre(steps.length > 0);
          const plan = validateCanarySteps(steps, max);
          expect(plan.steps.at(-1)).toBe(max);
          expect(plan.steps.slice(0, -1)).toEqual(steps.slice(0, -1));
          expect(plan.clamped).toBe(steps.at(-1) === max ? undefined : steps.at(-1));
        },
      ),
    );
  });
});

describe('parseCanarySteps', () => {
  it('reads commas, spaces and percent signs', () => {
    expect(parseCanarySteps('1,5,25,50,100')).toEqual([1, 5, 25, 50, 100]);
    expect(parseCanarySteps('1, 5 ,25%')).toEqual([1, 5, 25]);
  });

  it('refuses anything but whole numbers', () => {
    expect(() => parseCanarySteps('1,five,100')).toThrow(
      'canary: steps "1,five,100" must be whole percents separated by commas, like steps 1,5,25,50,100',
    );
  });
});

describe('parseCanaryArgs', () => {
  it('reads a start with defaults, steps, an interval, or both in either order', () => {
    expect(parseCanaryArgs([])).toEqual({ action: 'start' });
    expect(parseCanaryArgs(['steps', '1,5,100'])).toEqual({ action: 'start', steps: [1, 5, 100] });
    expect(parseCanaryArgs(['every', '10m'])).toEqual({ action: 'start', interval: 600 });
    expect(parseCanaryArgs(['steps', '1,', '5,', '100', 'every', '2m'])).toEqual({
      action: 'start',
      steps: [1, 5, 100],
      interval: 120,
    });
    expect(parseCanaryArgs(['every', '1h', 'steps', '10,100'])).toEqual({
      action: 'start',
      steps: [10, 100],
      interval: 3600,
    });
  });

  it('reads the control words alone', () => {
    expect(parseCanaryArgs(['pause'])).toEqual({ action: 'pause' });
    expect(parseCanaryArgs(['resume'])).toEqual({ action: 'resume' });
    expect(parseCanaryArgs(['abort'])).toEqual({ action: 'abort' });
  });

  it.each([
    [['every', '30s'], 'canary: every "30s" is not an interval from 1m to 1d; write it like every 5m'],
    [['every', '2d'], 'canary: every "2d" is not an interval from 1m to 1d; write it like every 5m'],
    [['every', 'soon'], 'canary: every "soon" is not an interval from 1m to 1d; write it like every 5m'],
    [['steps', '50,5'], 'canary: steps must increase, but 5 follows 50; like steps 1,5,25,50,100'],
    [['pause', 'now'], 'canary: "pause" is not understood'],
    [['steps'], 'canary: "steps" is not understood'],
    [
      ['steps', '1,100', 'steps', '5'],
      'canary: steps "1,100 steps 5" must be whole percents separated by commas, like steps 1,5,25,50,100',
    ],
  ])('refuses %j', (words, message) => {
    expect(() => parseCanaryArgs(words)).toThrow(message);
  });
});
