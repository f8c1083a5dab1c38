// `npm run bench`: the five figures of the benchmarks issue in one run on this machine, written to
// bench/results.json and BENCHMARKS.md. `npm run bench:smoke` (--smoke): tiny sizes, nothing written.
// `--only=3,4` runs only those figure groups (1 = 1 + 3c, 2, 3 = 3a + 3b, 4, 5) and writes nothing.
// One DynamoDB Local for the run, started here and stopped at the end, whatever happens.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../test/support/dynamodb-local.js';
import { measureAckLatency } from './ack-latency.js';
import { measureCallsPerOperation } from './calls-per-operation.js';
import { measureColdStart } from './cold-start.js';
import { ROOT } from './support/bundle.js';
import { type FigureResult, FULL_SIZES, SMOKE_SIZES } from './support/figure.js';
import { collectResults, describeCode, renderConsole, renderMarkdown } from './support/report.js';
import { measureSweeperScaling } from './sweeper-scaling.js';
import { measureWeightShiftLatency } from './weight-shift-latency.js';

const smoke = process.argv.includes('--smoke');
const sizes = smoke ? SMOKE_SIZES : FULL_SIZES;
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : undefined;
const wanted = (group: string) => !only || only.has(group);
const started = performance.now();
// Read before measuring: the code the figures belong to.
const code = describeCode(ROOT);
const loadAtStart = loadavg();

/** Runs one figure's measurement, saying on stderr what runs and how long it took. */
async function step<T>(label: string, measure: () => Promise<T>): Promise<T> {
  const at = performance.now();
  process.stderr.write(`bench: ${label}…`);
  const result = await measure();
  process.stderr.write(` ${((performance.now() - at) / 1000).toFixed(1)} s\n`);
  return result;
}

const dynamo = await step('starting DynamoDB Local', () => startDynamoDbLocal());
const figures: FigureResult[] = [];
try {
  if (wanted('1'))
    figures.push(...(await step('1 + 3c ack latency', () => measureAckLatency(dynamo.endpoint, sizes))));
  if (wanted('2')) figures.push(...(await step('2 cold start', () => measureColdStart(sizes))));
  if (wanted('3'))
    figures.push(
      ...(await step('3a + 3b calls per operation', () => measureCallsPerOperation(dynamo.endpoint))),
    );
  if (wanted('4'))
    figures.push(
      await step('4 weight shift latency', () => measureWeightShiftLatency(dynamo.endpoint, sizes)),
    );
  if (wanted('5'))
    figures.push(await step('5 sweeper scaling', () => measureSweeperScaling(dynamo.endpoint, sizes)));
} finally {
  await dynamo.stop();
}

const results = collectResults(figures, Math.round((performance.now() - started) / 1000), code, loadAtStart);
console.log(renderConsole(results));
if (smoke || only) {
  console.log(
    'smoke or partial run: nothing written (npm run bench writes bench/results.json and BENCHMARKS.md)',
  );
} else {
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderMarkdown(results));
  console.log('wrote bench/results.json and BENCHMARKS.md');
}
