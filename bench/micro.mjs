// The microbenchmarks of the agent's hot paths (not tests), in one command: the span (start, 10
// attributes, end), a context switch, OTLP protobuf encoding, traceparent extract and inject, and
// the frameworks' route seam; each against the reference implementation where there is one
// (bench/micro/*.mjs say which). Prints a markdown table, or one `BENCH_JSON {…}` line with
// --json (how `npm run bench` includes it). Run after `npm run build`:
//   node bench/micro.mjs [--quick] [--json]      (also: npm run bench -- --only micro)
import { parseArgs } from 'node:util';
import { keepSink, runCase } from './micro/runner.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
// --quick: a tenth of the operations and 3 rounds, to check that every case runs, not to measure.
const options = args.quick ? { rounds: 3, scale: 0.1 } : { rounds: 9, scale: 1 };

const MODULES = ['span', 'context', 'encode', 'propagation', 'route-seam'];

const fmtNs = (ns) => (ns === undefined ? '' : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(ns < 10 ? 1 : 0)} ns`);
const fmtRate = (ns) => (ns === undefined ? '' : `${((1e9 / ns) / 1e6).toFixed(2)} M spans/s`);

const rows = [];
for (const name of MODULES) {
  const { cases } = await import(`./micro/${name}.mjs`);
  for (const c of cases()) {
    const r = runCase(c, options);
    const show = r.unit === 'spans/s' ? fmtRate : fmtNs;
    rows.push({
      name: r.name,
      ours: show(r.oursNs),
      reference: r.referenceName === undefined ? undefined : `${show(r.referenceNs)} (${r.referenceName})`,
      // How many times the reference's cost ours is: >1 means ours is faster.
      ratio: r.referenceNs === undefined ? undefined : `${(r.referenceNs / r.oursNs).toFixed(2)}×`,
      oursNs: r.oursNs,
      referenceNs: r.referenceNs,
    });
    if (!args.json) process.stderr.write(`micro: ${r.name}\n`);
  }
}

const header = `Node.js ${process.version}; median of ${options.rounds} interleaved rounds per case${args.quick ? ' (--quick: a tenth of the operations, not a measurement)' : ''}. Time per operation (encoding: throughput); the last column is the reference's cost ÷ ours.`;
if (args.json) {
  process.stdout.write(`BENCH_JSON ${JSON.stringify({ header, rows })}\n`);
} else {
  const lines = rows.map((r) => `| ${r.name} | ${r.ours} | ${r.reference ?? ''} | ${r.ratio ?? ''} |`);
  process.stdout.write(`${header}\n\n| operation | otel-instrument | reference | reference ÷ ours |\n|---|--:|--:|--:|\n${lines.join('\n')}\n`);
}
if (keepSink() === 0.5) console.log('unreachable'); // keep the results observable
