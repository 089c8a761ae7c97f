// Span lifecycle (src/sdk/span.ts), driven through the TracerProvider with an in-memory processor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { DEFAULT_SPAN_LIMITS } from '../helpers/sdk-setup.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { TracerProvider } = require('../../dist/sdk/tracer-provider.js');
const { createSampler } = require('../../dist/sdk/samplers.js');
// Limit warnings and a deliberately broken processor log once; keep the test output clean.
require('../../dist/log.js').setLogLevel('none');

function setup(limits = {}, sampler = 'always_on') {
  const started = [];
  const ended = [];
  const processor = {
    onStart: (s) => started.push(s),
    onEnd: (s) => ended.push(s),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new TracerProvider({
    resource: { attributes: { 'service.name': 'test' }, droppedAttributesCount: 0 },
    sampler: createSampler(sampler, 1),
    spanLimits: { ...DEFAULT_SPAN_LIMITS, ...limits },
    processor,
  });
  return { provider, tracer: provider.getTracer('test-scope', '1.2.3'), started, ended };
}

test('a span is ended exactly once and is then read-only', () => {
  const { tracer, ended, provider } = setup();
  const span = tracer.startSpan('op', { attributes: { a: 1 } });
  assert.equal(span.isRecording(), true);
  assert.equal(provider.openSpanCount(), 1);
  span.end();
  const firstEnd = span.endTimeUnixMs;
  span.end();
  span.setAttribute('b', 2);
  span.setAttributes({ c: 3 });
  span.addEvent('late');
  span.setStatus({ code: api.SpanStatusCode.ERROR });
  span.updateName('renamed');
  span.recordException(new Error('late'));
  span.addLink({ context: span.spanContext() });
  assert.equal(ended.length, 1, 'onEnd called once');
  assert.equal(span.isRecording(), false);
  assert.equal(span.endTimeUnixMs, firstEnd);
  assert.deepEqual(span.attributes, { a: 1 });
  assert.equal(span.events.length, 0);
  assert.equal(span.links.length, 0);
  assert.equal(span.status.code, api.SpanStatusCode.UNSET);
  assert.equal(span.name, 'op');
  assert.equal(provider.openSpanCount(), 0);
});

test('the ended span is the same object the app held, with readable fields', () => {
  const { tracer, ended, started } = setup();
  const span = tracer.startSpan('op', { kind: api.SpanKind.SERVER, startTime: 1_700_000_000_000 });
  span.end(1_700_000_000_250.5);
  assert.equal(started[0], span);
  assert.equal(ended[0], span);
  assert.equal(span.kind, api.SpanKind.SERVER);
  assert.equal(span.startTimeUnixMs, 1_700_000_000_000);
  assert.equal(span.endTimeUnixMs, 1_700_000_000_250.5);
  assert.deepEqual(span.scope, { name: 'test-scope', version: '1.2.3', schemaUrl: undefined });
  assert.equal(span.resource.attributes['service.name'], 'test');
  assert.equal(span.parentSpanId, undefined);
  assert.equal(span.parentIsRemote, false);
  assert.equal(span.spanContext().traceFlags, api.TraceFlags.SAMPLED);
});

test('an end time before the start is clamped to the start', () => {
  const { tracer } = setup();
  const span = tracer.startSpan('op', { startTime: 1_700_000_000_000 });
  span.end(1_600_000_000_000);
  assert.equal(span.endTimeUnixMs, 1_700_000_000_000);
});

test('status: UNSET ignored, description only for ERROR, OK is final', () => {
  const { tracer } = setup();
  const span = tracer.startSpan('op');
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: 'boom' });
  assert.deepEqual(span.status, { code: api.SpanStatusCode.ERROR, message: 'boom' });
  span.setStatus({ code: api.SpanStatusCode.UNSET, message: 'ignored' });
  assert.deepEqual(span.status, { code: api.SpanStatusCode.ERROR, message: 'boom' });
  span.setStatus({ code: api.SpanStatusCode.ERROR });
  assert.deepEqual(span.status, { code: api.SpanStatusCode.ERROR });
  span.setStatus({ code: api.SpanStatusCode.OK, message: 'dropped description' });
  assert.deepEqual(span.status, { code: api.SpanStatusCode.OK });
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: 'too late' });
  assert.deepEqual(span.status, { code: api.SpanStatusCode.OK });
});

test('recordException maps Error, string and coded objects to exception.* attributes', () => {
  const { tracer } = setup();
  const span = tracer.startSpan('op');
  const err = new TypeError('bad type');
  span.recordException(err);
  span.recordException('plain message', 1_700_000_000_000);
  span.recordException({ code: 'ECONNREFUSED', name: 'Error', message: 'connect failed', stack: 'at x' });
  span.recordException({ name: 'CustomError' });
  span.recordException({ code: 42 });
  span.recordException({}); // no type or message: ignored
  span.recordException(null);
  const [e1, e2, e3, e4, e5] = span.events;
  assert.equal(span.events.length, 5);
  assert.equal(e1.name, 'exception');
  assert.deepEqual(e1.attributes, {
    'exception.type': 'TypeError',
    'exception.message': 'bad type',
    'exception.stacktrace': err.stack,
  });
  assert.deepEqual(e2.attributes, { 'exception.message': 'plain message' });
  assert.equal(e2.timeUnixMs, 1_700_000_000_000);
  assert.deepEqual(e3.attributes, {
    'exception.type': 'ECONNREFUSED',
    'exception.message': 'connect failed',
    'exception.stacktrace': 'at x',
  });
  assert.deepEqual(e4.attributes, { 'exception.type': 'CustomError' });
  assert.deepEqual(e5.attributes, { 'exception.type': '42' });
});

test('addEvent accepts (name), (name, attributes), (name, time) and (name, attributes, time)', () => {
  const { tracer } = setup();
  const span = tracer.startSpan('op');
  span.addEvent('a');
  span.addEvent('b', { k: 'v' });
  span.addEvent('c', 1_700_000_000_000);
  span.addEvent('d', [1_700_000_001, 0]);
  span.addEvent('e', { k: 1 }, new Date(1_700_000_002_000));
  const [a, b, c, d, e] = span.events;
  assert.deepEqual(a.attributes, {});
  assert.ok(a.timeUnixMs >= span.startTimeUnixMs);
  assert.deepEqual(b.attributes, { k: 'v' });
  assert.equal(c.timeUnixMs, 1_700_000_000_000);
  assert.equal(d.timeUnixMs, 1_700_000_001_000);
  assert.deepEqual(e.attributes, { k: 1 });
  assert.equal(e.timeUnixMs, 1_700_000_002_000);
});

test('event, link and per-event/per-link attribute limits count drops', () => {
  const { tracer } = setup({
    eventCountLimit: 2,
    linkCountLimit: 1,
    attributePerEventCountLimit: 1,
    attributePerLinkCountLimit: 1,
    attributeCountLimit: 2,
    attributeValueLengthLimit: 4,
  });
  const other = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
  const span = tracer.startSpan('op', {
    attributes: { a: 'long value', b: 2, c: 3 },
    links: [{ context: other, attributes: { x: 'xxxxxxx', y: 2 } }, { context: other }],
  });
  span.addEvent('e1', { p: 1, q: 2, r: 3 });
  span.addEvent('e2');
  span.addEvent('e3');
  span.recordException(new Error('x'));
  span.addLink({ context: other });
  assert.deepEqual(span.attributes, { a: 'long', b: 2 });
  assert.equal(span.droppedAttributesCount, 1);
  assert.equal(span.events.length, 2);
  assert.equal(span.droppedEventsCount, 2);
  assert.deepEqual(span.events[0].attributes, { p: 1 });
  assert.equal(span.events[0].droppedAttributesCount, 2);
  assert.equal(span.links.length, 1);
  assert.equal(span.droppedLinksCount, 2);
  assert.deepEqual(span.links[0].attributes, { x: 'xxxx' });
  assert.equal(span.links[0].droppedAttributesCount, 1);
  assert.equal(span.links[0].context, other);
});

test('recordException respects the per-event attribute limit and length limit', () => {
  const { tracer } = setup({ attributePerEventCountLimit: 2, attributeValueLengthLimit: 5 });
  const span = tracer.startSpan('op');
  span.recordException(new RangeError('out of range'));
  const [e] = span.events;
  assert.deepEqual(e.attributes, { 'exception.type': 'Range', 'exception.message': 'out o' });
  assert.equal(e.droppedAttributesCount, 1);
});

test('a processor that throws in onEnd never reaches the app', () => {
  const { provider } = setup();
  const broken = new TracerProvider({
    resource: { attributes: {}, droppedAttributesCount: 0 },
    sampler: createSampler('always_on', 1),
    spanLimits: DEFAULT_SPAN_LIMITS,
    processor: {
      onStart() { throw new Error('start'); },
      onEnd() { throw new Error('end'); },
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  });
  const span = broken.getTracer('x').startSpan('op');
  assert.doesNotThrow(() => span.end());
  assert.equal(provider.openSpanCount(), 0);
});

test('updateName renames a recording span', () => {
  const { tracer } = setup();
  const span = tracer.startSpan('GET');
  span.updateName('GET /users/:id');
  span.end();
  assert.equal(span.name, 'GET /users/:id');
});
