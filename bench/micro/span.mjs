// The span hot path: startSpan + 10 attributes + end, as an HTTP SERVER span gets them, with a
// processor that does nothing; ours against @opentelemetry/sdk-trace-base's BasicTracerProvider.
import { createRequire } from 'node:module';
import { DEFAULT_SPAN_LIMITS } from '../../test/helpers/sdk-setup.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const base = require('@opentelemetry/sdk-trace-base');
const { TracerProvider } = require('../../dist/sdk/tracer-provider.js');
const { createSampler } = require('../../dist/sdk/samplers.js');

const noopProcessor = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };

function spanLoop(tracer) {
  return (n) => {
    let out = 0;
    for (let i = 0; i < n; i++) {
      const span = tracer.startSpan('GET /users/:id', { kind: api.SpanKind.SERVER }, api.ROOT_CONTEXT);
      span.setAttribute('http.request.method', 'GET');
      span.setAttribute('url.path', '/users/42');
      span.setAttribute('url.scheme', 'http');
      span.setAttribute('http.route', '/users/:id');
      span.setAttribute('http.response.status_code', 200);
      span.setAttribute('server.address', '127.0.0.1');
      span.setAttribute('server.port', 8080);
      span.setAttribute('client.address', '127.0.0.1');
      span.setAttribute('network.protocol.version', '1.1');
      span.setAttribute('user_agent.original', 'wrk');
      span.end();
      out ^= span.spanContext().spanId.charCodeAt(3);
    }
    return out;
  };
}

export function cases() {
  const ours = new TracerProvider({
    resource: { attributes: { 'service.name': 'bench' }, droppedAttributesCount: 0 },
    sampler: createSampler('parentbased_always_on', 1),
    spanLimits: DEFAULT_SPAN_LIMITS,
    processor: noopProcessor,
  }).getTracer('bench', '1.0.0');
  const theirs = new base.BasicTracerProvider({
    sampler: new base.ParentBasedSampler({ root: new base.AlwaysOnSampler() }),
    spanProcessors: [noopProcessor],
  }).getTracer('bench', '1.0.0');
  return [{ name: 'span: start + 10 attributes + end', ours: spanLoop(ours), reference: { name: 'sdk-trace-base', run: spanLoop(theirs) }, ops: 200_000 }];
}
