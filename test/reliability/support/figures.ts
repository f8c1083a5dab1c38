// Figures of the reliability suite: each test counts what it tried and what held, records the figure on
// its task (the figures reporter prints them all at the end) and fails when the figure does not hold.
import { expect, type TestContext } from 'vitest';

/** One measured figure: `tried` cases, of which `held` kept the property; examples of the rest. */
export interface Figure {
  name: string;
  tried: number;
  held: number;
  /** The first failing cases (20 unless GRAY_FIGURE_EXAMPLES says), each naming its input and what went wrong. */
  failures: string[];
  /** Extra measurements printed under the figure (fault rate, breakdowns). */
  notes: string[];
}

declare module 'vitest' {
  interface TaskMeta {
    /** Set by a reliability test; read by test/reliability/support/figures-reporter.ts. */
    figure?: Figure;
  }
}

// Failing cases kept per figure; GRAY_FIGURE_EXAMPLES=100000 keeps them all (to study a failing run).
const MAX_EXAMPLES = Number(process.env.GRAY_FIGURE_EXAMPLES ?? 20);

/** Counts cases of one figure; `check` records each case, `note` adds a measurement line. */
export class FigureTally {
  private tried = 0;
  private held = 0;
  private readonly failures: string[] = [];
  private readonly notes: string[] = [];

  /** `name` is the figure's name as printed (`forged`, `duplicates`…). */
  constructor(readonly name: string) {}

  /** Records one case: held when `problems` is empty, else its first problems go to the examples. */
  check(input: string, problems: readonly string[]): boolean {
    this.tried++;
    if (problems.length === 0) {
      this.held++;
      return true;
    }
    if (this.failures.length < MAX_EXAMPLES) this.failures.push(`${input} → ${problems.join('; ')}`);
    return false;
  }

  /** Adds a line printed under the figure (e.g. `fault rate 20.3% of 3,412 requests`). */
  note(line: string): void {
    this.notes.push(line);
  }

  /** The figure so far. */
  figure(): Figure {
    return {
      name: this.name,
      tried: this.tried,
      held: this.held,
      failures: [...this.failures],
      notes: [...this.notes],
    };
  }
}

/** `name: N tried, N held`, the line the issue asks for. */
export function figureLine(figure: Pick<Figure, 'name' | 'tried' | 'held'>): string {
  return `${figure.name}: ${figure.tried} tried, ${figure.held} held`;
}

/**
 * Records the tally's figure on the test's task, prints it, and fails the test unless every case held
 * and at least `minimumTried` cases were tried (the counts the issue asks for).
 */
export function expectFigure(context: TestContext, tally: FigureTally, minimumTried: number): void {
  const figure = tally.figure();
  context.task.meta.figure = figure;
  console.log([figureLine(figure), ...figure.notes, ...figure.failures].join('\n  '));
  expect(figure.tried, `${figure.name}: too few cases`).toBeGreaterThanOrEqual(minimumTried);
  expect(figure.failures, figureLine(figure)).toEqual([]);
  expect(figure.held).toBe(figure.tried);
}
