// vitest reporter of the reliability suite: after the run, one `name: N tried, N held` line per figure
// (failing cases indented under it), then the whole line `N passed, N failed` (figures, not tests).
import type { Reporter, TestModule } from 'vitest/node';
import { type Figure, figureLine } from './figures.js';

/** Prints the figures table last, after vitest's own summary and failure details. */
export default class FiguresReporter implements Reporter {
  /** Collects every test's figure (a test that failed before measuring counts as a failed figure). */
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows: { figure: Figure; ok: boolean }[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const figure = test.meta().figure;
        const passed = test.result().state === 'passed';
        if (figure) rows.push({ figure, ok: passed && figure.held === figure.tried });
        else if (test.name.startsWith('figure:') && !passed) {
          const name = test.name.slice('figure:'.length).trim().split(' ')[0] ?? test.name;
          rows.push({ figure: { name, tried: 0, held: 0, failures: [], notes: [] }, ok: false });
        }
      }
    }
    rows.sort((a, b) => a.figure.name.localeCompare(b.figure.name));
    const lines = ['', 'reliability figures'];
    for (const { figure, ok } of rows) {
      lines.push(figureLine(figure));
      for (const note of figure.notes) lines.push(`    ${note}`);
      for (const failure of figure.failures.slice(0, 5)) lines.push(`    ✗ ${failure}`);
      if (!ok && figure.failures.length === 0)
        lines.push('    ✗ the test failed before the figure was measured');
    }
    const passed = rows.filter((r) => r.ok).length;
    lines.push('', `${passed} passed, ${rows.length - passed} failed`);
    // vitest's own reporter prints the failed tests' details after onTestRunEnd returns; writing at exit
    // (synchronous for files, pipes and terminals on Linux) keeps `N passed, N failed` the very last line.
    process.once('exit', () => process.stdout.write(`${lines.join('\n')}\n`));
  }
}
