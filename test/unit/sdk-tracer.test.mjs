// Tracer and TracerProvider (src/sdk/tracer.ts, tracer-provider.ts) through the global API,
// with our AsyncLocalStorage context manager registered as the app would see it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { DEFAULT_SPAN_LIMITS } from '../helpers/sdk-setup.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { TracerProvider } = require('../../dist/sdk/tracer-provider.js');
const { createSampler } = require('../../dist/sdk/samplers.js');
const { AsyncLocalStorageContextManager } = require('../../dist/sdk/context-manager.js');
const { suppressTracing } = require('../../dist/sdk/suppress-tracing.js');

api.context.setGlobalContextManager(new AsyncLocalStorageContextManager());
// Some tests make the SDK fail on purpose; its one-time error lines are expected noise.
require('../../dist/log.js').setLogLevel('none');

function setup(sampler = createSampler('parentbased_always_on', 1)) {
  const ended = [];
  const calls = { flush: 0, shutdown: 0 };
  const provider = new TracerProvider({
    resource: { attributes: {}, droppedAttributesCount: 0 },
    sampler,
    spanLimits: DEFAULT_SPAN_LIMITS,
    processor: {
      onEnd: (s) => ended.push(s),
      forceFlush: async () => void calls.flush++,
      shutdown: async () => void calls.shutdown++,
    },
  });
  return { provider, tracer: provider.getTracer('t'), ended, calls };
}

const REMOTE_PARENT = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: api.TraceFlags.SAMPLED,
  isRemote: true,
  traceState: api.createTraceState('vendor=value'),
};

test('startActiveSpan nests children under the active span through async work', async () => {
  // parent (INTERNAL)
  //  ├─ child-sync
  //  └─ child-async (after an await)
  const { tracer, ended } = setup();
  const result = await tracer.startActiveSpan('parent', async (parent) => {
    assert.equal(api.trace.getActiveSpan(), parent);
    tracer.startSpan('child-sync').end();
    await new Promise((resolve) => setImmediate(resolve));
    tracer.startSpan('child-async').end();
    parent.end();
    return 'value';
  });
  assert.equal(result, 'value');
  assert.equal(api.trace.getActiveSpan(), undefined, 'context restored after the callback');
  const [childSync, childAsync, parent] = ended;
  assert.equal(parent.parentSpanId, undefined);
  for (const child of [childSync, childAsync]) {
    assert.equal(child.parentSpanId, parent.spanContext().spanId);
    assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    assert.notEqual(child.spanContext().spanId, parent.spanContext().spanId);
  }
});

test('the three startActiveSpan overloads take options and an explicit context', () => {
  const { tracer } = setup();
  const remoteCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, REMOTE_PARENT);
  const a = tracer.startActiveSpan('a', (span) => span);
  const b = tracer.startActiveSpan('b', { kind: api.SpanKind.CLIENT }, (span) => span);
  const c = tracer.startActiveSpan('c', { kind: api.SpanKind.SERVER }, remoteCtx, (span) => {
    assert.equal(api.trace.getActiveSpan(), span);
    return span;
  });
  assert.equal(a.name, 'a');
  assert.equal(b.kind, api.SpanKind.CLIENT);
  assert.equal(c.kind, api.SpanKind.SERVER);
  assert.equal(c.parentSpanId, REMOTE_PARENT.spanId);
  assert.equal(c.parentIsRemote, true);
  assert.equal(c.spanContext().traceId, REMOTE_PARENT.traceId);
  assert.equal(c.spanContext().traceState, REMOTE_PARENT.traceState, 'trace state inherited');
  assert.equal(tracer.startActiveSpan('no-fn'), undefined);
});

test('options.root ignores the active parent', () => {
  const { tracer } = setup();
  tracer.startActiveSpan('parent', (parent) => {
    const root = tracer.startSpan('root', { root: true });
    assert.equal(root.parentSpanId, undefined);
    assert.notEqual(root.spanContext().traceId, parent.spanContext().traceId);
  });
});

test('an invalid parent span context starts a new trace', () => {
  const { tracer } = setup();
  const ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, api.INVALID_SPAN_CONTEXT);
  const span = tracer.startSpan('op', {}, ctx);
  assert.equal(span.isRecording(), true);
  assert.equal(span.parentSpanId, undefined);
  assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(span.spanContext().traceId, api.INVALID_SPAN_CONTEXT.traceId);
});

test('NOT_RECORD returns a non-recording span whose unsampled flag and ids propagate', () => {
  // unsampled remote parent ─▶ server (non-recording) ─▶ client (non-recording, same trace)
  const { tracer, ended, provider } = setup();
  const parentCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, { ...REMOTE_PARENT, traceFlags: api.TraceFlags.NONE });
  const server = tracer.startSpan('server', {}, parentCtx);
  assert.equal(server.isRecording(), false);
  const sc = server.spanContext();
  assert.equal(sc.traceId, REMOTE_PARENT.traceId);
  assert.match(sc.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(sc.spanId, REMOTE_PARENT.spanId, 'a new span id, so downstream sees a real parent');
  assert.equal(sc.traceFlags & api.TraceFlags.SAMPLED, 0);
  const client = tracer.startSpan('client', {}, api.trace.setSpan(parentCtx, server));
  assert.equal(client.isRecording(), false);
  assert.equal(client.spanContext().traceId, REMOTE_PARENT.traceId);
  server.end();
  client.end();
  assert.equal(ended.length, 0);
  assert.equal(provider.openSpanCount(), 0);
});

test('RECORD records (attributes, open count) but never reaches onEnd', () => {
  const recordOnly = { shouldSample: () => ({ decision: 1 }), toString: () => 'RecordOnly' };
  const { tracer, ended, provider } = setup(recordOnly);
  const span = tracer.startSpan('op', { attributes: { a: 1 } });
  assert.equal(span.isRecording(), true);
  assert.equal(span.spanContext().traceFlags, api.TraceFlags.NONE);
  assert.equal(provider.openSpanCount(), 1);
  span.setAttribute('b', 2);
  assert.deepEqual(span.attributes, { a: 1, b: 2 });
  span.end();
  assert.equal(provider.openSpanCount(), 0);
  assert.equal(ended.length, 0);
});

test("the sampler's attributes and trace state are applied to the span", () => {
  const traceState = api.createTraceState('ours=1');
  const seen = [];
  const sampler = {
    shouldSample: (ctx, traceId, name, kind, attributes, links) => {
      seen.push({ traceId, name, kind, attributes, links });
      return { decision: 2, attributes: { 'sampler.attr': 'x', shared: 'sampler' }, traceState };
    },
    toString: () => 'Custom',
  };
  const { tracer } = setup(sampler);
  const links = [{ context: REMOTE_PARENT }];
  const parentCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, REMOTE_PARENT);
  const span = tracer.startSpan('op', { kind: api.SpanKind.PRODUCER, attributes: { shared: 'options' }, links }, parentCtx);
  assert.deepEqual(span.attributes, { shared: 'sampler', 'sampler.attr': 'x' });
  assert.equal(span.spanContext().traceState, traceState);
  assert.equal(span.links.length, 1);
  assert.equal(seen[0].traceId, REMOTE_PARENT.traceId);
  assert.equal(seen[0].name, 'op');
  assert.equal(seen[0].kind, api.SpanKind.PRODUCER);
  assert.equal(seen[0].links, links);
});

test('suppressed tracing and a throwing sampler give non-recording spans', () => {
  const { tracer } = setup();
  assert.equal(tracer.startSpan('op', {}, suppressTracing(api.ROOT_CONTEXT)).isRecording(), false);
  const { tracer: broken } = setup({ shouldSample() { throw new Error('x'); }, toString: () => 'Broken' });
  assert.equal(broken.startSpan('op').isRecording(), false);
});

test('startSpan never throws into the app, even with a context that is not a Context', () => {
  const { tracer } = setup();
  let span;
  assert.doesNotThrow(() => (span = tracer.startSpan('op', {}, { not: 'a context' })));
  assert.equal(span.isRecording(), false);
});

test('getTracer caches per name + version + schemaUrl', () => {
  const { provider } = setup();
  const a = provider.getTracer('lib', '1.0.0');
  assert.equal(provider.getTracer('lib', '1.0.0'), a);
  assert.notEqual(provider.getTracer('lib', '2.0.0'), a);
  assert.notEqual(provider.getTracer('lib'), a);
  assert.notEqual(provider.getTracer('lib', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }), a);
  assert.equal(
    provider.getTracer('lib', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
    provider.getTracer('lib', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
  );
  assert.notEqual(provider.getTracer('other', '1.0.0'), a);
  assert.deepEqual(a.scope, { name: 'lib', version: '1.0.0', schemaUrl: undefined });
});

test('after shutdown, old and new tracers start non-recording spans; shutdown runs once', async () => {
  const { provider, tracer, calls } = setup();
  await provider.forceFlush();
  assert.equal(calls.flush, 1);
  const open = tracer.startSpan('open');
  assert.equal(provider.openSpanCount(), 1);
  await Promise.all([provider.shutdown(), provider.shutdown()]);
  assert.equal(calls.shutdown, 1);
  assert.equal(tracer.startSpan('late').isRecording(), false);
  assert.equal(provider.getTracer('new').startSpan('late').isRecording(), false);
  open.end();
  assert.equal(provider.openSpanCount(), 0);
});

test('a processor whose flush or shutdown rejects never rejects to the caller', async () => {
  const provider = new TracerProvider({
    resource: { attributes: {}, droppedAttributesCount: 0 },
    sampler: createSampler('always_on', 1),
    spanLimits: DEFAULT_SPAN_LIMITS,
    processor: {
      onEnd() {},
      forceFlush: async () => { throw new Error('flush'); },
      shutdown: async () => { throw new Error('shutdown'); },
    },
  });
  await provider.forceFlush();
  await provider.shutdown();
});

test('childSpansAreDropped: true only for a span of ours that was dropped, and then every sampler drops its children', () => {
  const { childSpansAreDropped } = require('../../dist/sdk/samplers.js');
  const remote = (flags) => api.trace.setSpanContext(api.ROOT_CONTEXT, { ...REMOTE_PARENT, traceFlags: flags });
  let dropped = 0;
  for (const name of ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']) {
    for (const ratio of [0, 0.5, 1]) {
      const { tracer } = setup(createSampler(name, ratio));
      // Parents of every kind: roots (random trace ids, so the ratio goes both ways) and children of sampled and unsampled remote parents.
      for (const parentCtx of [...Array.from({ length: 20 }, () => api.ROOT_CONTEXT), remote(api.TraceFlags.SAMPLED), remote(api.TraceFlags.NONE)]) {
        const parent = tracer.startSpan('parent', {}, parentCtx);
        const ctx = api.trace.setSpan(parentCtx, parent);
        const answer = childSpansAreDropped(ctx);
        assert.equal(answer, !parent.isRecording(), `${name} ${ratio}: a span of ours is dropped exactly when it does not record`);
        if (answer) {
          dropped++;
          for (const kind of [api.SpanKind.INTERNAL, api.SpanKind.CLIENT, api.SpanKind.SERVER]) {
            assert.equal(tracer.startSpan('child', { kind, attributes: { a: 1 } }, ctx).isRecording(), false, `${name} ${ratio}: a child was recorded`);
          }
        }
        parent.end();
      }
    }
  }
  assert.ok(dropped > 20, `dropped parents seen: ${dropped}`);
  // Not ours: a remote unsampled parent (always_on would record its child), none at all, an ended recording span.
  assert.equal(childSpansAreDropped(remote(api.TraceFlags.NONE)), false);
  assert.equal(childSpansAreDropped(api.ROOT_CONTEXT), false);
  const { tracer } = setup();
  const ended = tracer.startSpan('ended');
  ended.end();
  assert.equal(childSpansAreDropped(api.trace.setSpan(api.ROOT_CONTEXT, ended)), false);
});
