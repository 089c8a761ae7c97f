// OTLP/protobuf encoding of a 512-span batch (./span-batch.mjs), reported in spans per second:
// ours (dist/exporters/otlp-proto-encoder.js) against the official exporters' serializer,
// @opentelemetry/otlp-transformer's ProtobufTraceSerializer, over the same spans built with
// @opentelemetry/sdk-trace-base, both taken from the official agent's folder (bench/rivals/)
// when it is installed; ours alone otherwise. Same resource attributes and scopes on both sides.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SPAN_LIMITS } from '../../test/helpers/sdk-setup.mjs';
import { buildBatch } from './span-batch.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { TracerProvider } = require('../../dist/sdk/tracer-provider.js');
const { createSampler } = require('../../dist/sdk/samplers.js');
const { createResource } = require('../../dist/sdk/resource.js');
const { encodeTraceRequestProto } = require('../../dist/exporters/otlp-proto-encoder.js');
const { SpanPreparer } = require('../../dist/exporters/otlp-proto-prepared.js');

const BATCH = 512;
const OFFICIAL = join(dirname(fileURLToPath(import.meta.url)), '..', 'rivals', 'auto-instrumentations-node', 'package.json');

function collector(into) {
  return { onStart() {}, onEnd: (span) => into.push(span), forceFlush: async () => {}, shutdown: async () => {} };
}

function oursBatch() {
  const spans = [];
  const provider = new TracerProvider({
    // createResource reads only these two fields of the config.
    resource: createResource({ resourceAttributes: { 'deployment.environment.name': 'production' }, serviceName: 'bench-gateway' }),
    sampler: createSampler('parentbased_always_on', 1),
    spanLimits: DEFAULT_SPAN_LIMITS,
    processor: collector(spans),
  });
  buildBatch(api, { httpTracer: provider.getTracer('otel-instrument/http', '0.1.0'), fetchTracer: provider.getTracer('otel-instrument/fetch', '0.1.0') }, spans, BATCH);
  return spans;
}

/** The official serializer and the same batch from its SDK, or undefined when not installed. */
function officialBatch(resourceAttributes) {
  if (!existsSync(join(dirname(OFFICIAL), 'node_modules', '@opentelemetry', 'otlp-transformer'))) return undefined;
  const rivalRequire = createRequire(OFFICIAL);
  const base = rivalRequire('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = rivalRequire('@opentelemetry/resources');
  const { ProtobufTraceSerializer } = rivalRequire('@opentelemetry/otlp-transformer');
  const version = rivalRequire('@opentelemetry/otlp-transformer/package.json').version;
  const spans = [];
  const provider = new base.BasicTracerProvider({ resource: resourceFromAttributes(resourceAttributes), spanProcessors: [collector(spans)] });
  buildBatch(api, { httpTracer: provider.getTracer('otel-instrument/http', '0.1.0'), fetchTracer: provider.getTracer('otel-instrument/fetch', '0.1.0') }, spans, BATCH);
  return { spans, encode: (s) => ProtobufTraceSerializer.serializeRequest(s), name: `otlp-transformer ${version}` };
}

// Ops are spans: each call encodes ceil(n / 512) whole batches.
const loop = (encode, spans) => (n) => {
  let out = 0;
  for (let done = 0; done < n; done += BATCH) out ^= encode(spans).length;
  return out;
};

/**
 * What the OTLP/protobuf exporter does with queued spans: each prepared as it ends (its bytes
 * appended to its scope's run), the batch processor takes each run's part, the request is
 * assembled from their bytes, and the settled batch releases its chunks for reuse.
 */
function preparedThenAssembled(spans) {
  const preparer = new SpanPreparer();
  return () => {
    const slots = spans.map((span) => preparer.prepare(span));
    const counts = new Map();
    for (const run of slots) counts.set(run, (counts.get(run) ?? 0) + 1);
    const parts = new Map([...counts].map(([run, n]) => [run, run.detachFirst(n)]));
    const batch = slots.map((run) => parts.get(run));
    const bytes = encodeTraceRequestProto(batch);
    for (const part of parts.values()) part.release();
    return bytes;
  };
}

export function cases() {
  const ours = oursBatch();
  const official = officialBatch(ours[0].resource.attributes);
  return [
    {
      name: `OTLP protobuf encoding, ${BATCH}-span HTTP batch`,
      ours: loop(encodeTraceRequestProto, ours),
      reference: official && { name: official.name, run: loop(official.encode, official.spans) },
      ops: 200 * BATCH,
      unit: 'spans/s',
    },
    {
      name: `OTLP protobuf encoding, the same batch prepared span by span as it ends, then assembled`,
      ours: loop(preparedThenAssembled(ours), ours),
      ops: 200 * BATCH,
      unit: 'spans/s',
    },
  ];
}
