// W3C trace context on the request path: extract (parse an incoming `traceparent`, with a
// `tracestate`) and inject (write both into an outgoing header object); ours against
// @opentelemetry/core's W3CTraceContextPropagator.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');
const { W3CTraceContextPropagator: Ours } = require('../../dist/sdk/propagators/tracecontext.js');

const CARRIER = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' };

function extractLoop(propagator) {
  return (n) => {
    let out = 0;
    for (let i = 0; i < n; i++) out += api.trace.getSpanContext(propagator.extract(api.ROOT_CONTEXT, CARRIER, api.defaultTextMapGetter)).traceFlags;
    return out;
  };
}

function injectLoop(propagator) {
  const ctx = propagator.extract(api.ROOT_CONTEXT, CARRIER, api.defaultTextMapGetter);
  return (n) => {
    let out = 0;
    for (let i = 0; i < n; i++) {
      const headers = {};
      propagator.inject(ctx, headers, api.defaultTextMapSetter);
      out += headers.traceparent.length;
    }
    return out;
  };
}

export function cases() {
  const [ours, theirs] = [new Ours(), new core.W3CTraceContextPropagator()];
  return [
    { name: 'traceparent + tracestate: extract', ours: extractLoop(ours), reference: { name: '@opentelemetry/core', run: extractLoop(theirs) }, ops: 300_000 },
    { name: 'traceparent + tracestate: inject', ours: injectLoop(ours), reference: { name: '@opentelemetry/core', run: injectLoop(theirs) }, ops: 300_000 },
  ];
}
