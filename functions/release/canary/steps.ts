/**
 * Canary step plans: the weights (whole percents for the new slot) a canary walks through, one per
 * passing analysis. Pure.
 */
import { InvalidInputError } from '../errors.js';

/** Bounds of a canary interval, seconds: the sweeper runs every minute; a day is the longest sensible hold. */
export const CANARY_INTERVAL = { min: 60, max: 86400 } as const;

/** Most steps a plan may have (a plan of more than 20 analyses is a typo, not a rollout). */
export const MAX_CANARY_STEPS = 20;

/** A checked plan: `steps` end at the maximum; `clamped` holds the original last step when it was raised. */
export interface CanaryStepPlan {
  steps: number[];
  clamped?: number;
}

/**
 * Validates a step plan against `maxWeight` (percent, 1–100): whole percents from 1, strictly
 * increasing, at most 20, none above `maxWeight`; a last step below `maxWeight` is clamped to it (a
 * plan that never reaches the maximum would never promote). Throws InvalidInputError naming the step.
 */
export function validateCanarySteps(steps: readonly number[], maxWeight: number): CanaryStepPlan {
  const example = `like steps 1,5,25,50,${maxWeight}`;
  if (steps.length === 0 || steps.length > MAX_CANARY_STEPS) {
    throw new InvalidInputError(`canary: give 1 to ${MAX_CANARY_STEPS} steps, ${example}`);
  }
  steps.forEach((step, i) => {
    if (!Number.isInteger(step) || step < 1 || step > 100) {
      throw new InvalidInputError(`canary: step ${step} is not a whole percent from 1 to 100; ${example}`);
    }
    if (step > maxWeight) {
      throw new InvalidInputError(
        `canary: step ${step} is above the maximum weight ${maxWeight}; ${example}`,
      );
    }
    const previous = steps[i - 1];
    if (previous !== undefined && step <= previous) {
      throw new InvalidInputError(`canary: steps must increase, but ${step} follows ${previous}; ${example}`);
    }
  });
  const last = steps[steps.length - 1]!;
  if (last === maxWeight) return { steps: [...steps] };
  return { steps: [...steps.slice(0, -1), maxWeight], clamped: last };
}

/**
 * Parses a typed step list (`1,5,25,50,100`, `1, 5, 25`, `5%,50%`) into numbers; the order and
 * bounds are validateCanarySteps' business. Throws InvalidInputError for anything but whole numbers.
 */
export function parseCanarySteps(text: string): number[] {
  const tokens = text
    .split(/[\s,]+/)
    .map((token) => token.replace(/%$/, ''))
    .filter((token) => token !== '');
  if (tokens.length === 0 || tokens.some((token) => !/^\d{1,3}$/.test(token))) {
    throw new InvalidInputError(
      `canary: steps "${text.length > 40 ? `${text.slice(0, 39)}…` : text}" must be whole percents separated by commas, like steps 1,5,25,50,100`,
    );
  }
  return tokens.map(Number);
}
