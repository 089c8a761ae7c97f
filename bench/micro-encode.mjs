// Microbenchmark of the OTLP/protobuf encoder (not a test): encodeTraceRequestProto over a
// realistic 512-span batch (bench/micro/span-batch.mjs), reported in ns per span. The spans come
// from our real SDK (Span objects, attributes set the way the http and fetch instrumentations set
// them), under one resource built by createResource and three scopes: per request a SERVER span
// (~14 attributes) and a CLIENT span (~9 attributes, from http or fetch, alternating).
// `node bench/micro.mjs` compares the same encoding with the official serializer.
//
// With `--baseline <dir>` (a copy of an older dist/, e.g. `cp -r dist /tmp/dist-before` before a
// change) the two encoders run interleaved rounds over the same batch, the median of each is
// reported, and their outputs are compared byte for byte. Run after `npm run build`:
//   node bench/micro-encode.mjs [--baseline /tmp/dist-before] [--rounds 15] [--batches 200]
import { createRequire } from 'node:module';
import { DEFAULT_SPAN_LIMITS } from '../test/helpers/sdk-setup.mjs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBatch } from './micro/span-batch.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { TracerProvider } = require('../dist/sdk/tracer-provider.js');
const { createSampler } = require('../dist/sdk/samplers.js');
const { createResource } = require('../dist/sdk/resource.js');

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '15' },
    batches: { type: 'string', default: '200' },
    spans: { type: 'string', default: '512' },
  },
});
const ROUNDS = Number(args.rounds);
const BATCHES_PER_ROUND = Number(args.batches);
const BATCH_SIZE = Number(args.spans);

const spans = [];
const collector = {
  onEnd: (span) => spans.push(span),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const provider = new TracerProvider({
  // createResource reads only these two fields of the config.
  resource: createResource({ resourceAttributes: { 'deployment.environment.name': 'production' }, serviceName: 'bench-gateway' }),
  sampler: createSampler('parentbased_always_on', 1),
  spanLimits: DEFAULT_SPAN_LIMITS,
  processor: collector,
});
const httpTracer = provider.getTracer('otel-instrument/http', '0.1.0');
const fetchTracer = provider.getTracer('otel-instrument/fetch', '0.1.0');

buildBatch(api, { httpTracer, fetchTracer }, spans, BATCH_SIZE);

const variants = [['current', require('../dist/exporters/otlp-proto-encoder.js').encodeTraceRequestProto]];
if (args.baseline !== undefined) {
  const path = resolve(args.baseline, 'exporters/otlp-proto-encoder.js');
  variants.unshift(['baseline', require(path).encodeTraceRequestProto]);
}

let sink = 0;
function measure(encode) {
  const start = process.hrtime.bigint();
  for (let b = 0; b < BATCHES_PER_ROUND; b++) sink ^= encode(spans).length;
  return Number(process.hrtime.bigint() - start) / (BATCHES_PER_ROUND * BATCH_SIZE);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const bodies = variants.map(([, encode]) => Buffer.from(encode(spans)));
const attributeCount = spans.reduce((n, span) => n + Object.keys(span.attributes).length, 0);
console.log(
  `node ${process.version}: ${BATCH_SIZE} spans (${(attributeCount / BATCH_SIZE).toFixed(1)} attributes/span), ` +
    `${bodies[0].length} bytes/batch; ${BATCHES_PER_ROUND} batches/round, median of ${ROUNDS} interleaved rounds`,
);
if (bodies.length === 2) console.log(`outputs byte-identical: ${bodies[0].equals(bodies[1]) ? 'yes' : 'NO'}`);

for (const [, encode] of variants) measure(encode); // warm-up: let each be optimized first
const results = variants.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order, so neither variant always runs right after the other's garbage.
  for (let k = 0; k < variants.length; k++) {
    const v = (r + k) % variants.length;
    results[v].push(measure(variants[v][1]));
  }
}
const medians = results.map(median);
variants.forEach(([name], v) => {
  const ns = medians[v];
  console.log(`${name.padEnd(9)} ${ns.toFixed(0).padStart(6)} ns/span  ${((ns * BATCH_SIZE) / 1000).toFixed(0).padStart(6)} µs/batch`);
});
if (medians.length === 2) console.log(`speed-up: ${(medians[0] / medians[1]).toFixed(2)}x`);
if (sink === 0.5) console.log(sink); // keep results observable so nothing is optimized away
