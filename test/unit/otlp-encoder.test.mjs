// Our hand-written OTLP encoders, checked against independent references: the protobuf output is
// decoded by protobufjs with the official opentelemetry-proto files; the JSON output is checked
// against the OTLP/JSON rules (hex ids, lowerCamelCase, integer enums, 64-bit as decimal strings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ExportTraceServiceRequest,
  decodeTraceRequest,
  normalizeJsonRequest,
  normalizeProtoRequest,
  toBigInt,
} from '../helpers/otlp-proto.mjs';

const require = createRequire(import.meta.url);
const { encodeTraceRequestProto } = require('../../dist/exporters/otlp-proto-encoder.js');
const { SpanPreparer } = require('../../dist/exporters/otlp-proto-prepared.js');
const { encodeTraceRequestJson } = require('../../dist/exporters/otlp-json-encoder.js');
const { epochMsToNanoString, epochMsToNanoHalves } = require('../../dist/exporters/otlp-grouping.js');

// API SpanKind / SpanStatusCode values, spelled out so the test does not trust our mapping.
const API_KIND = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };
const API_STATUS = { UNSET: 0, OK: 1, ERROR: 2 };

const traceState = (value) => ({ serialize: () => value });

const RESOURCE_A = { attributes: { 'service.name': 'svc-a', 'host.cpus': 8 }, droppedAttributesCount: 0 };
const RESOURCE_B = { attributes: { 'service.name': 'svc-b' }, droppedAttributesCount: 3 };
const SCOPE_HTTP = { name: '@otel-instrument/http', version: '0.1.0' };
const SCOPE_PG = { name: '@otel-instrument/pg', version: '0.1.0', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' };

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const ROOT_ID = 'b7ad6b7169203331';

// ReadableSpan-shaped: spanContext() is a method, as on the SDK's Span. Overrides may pass
// `context` (a plain SpanContext) for it.
function makeSpan({ context = { traceId: TRACE_ID, spanId: ROOT_ID, traceFlags: 1 }, ...overrides } = {}) {
  return {
    name: 'GET /users/:id',
    kind: API_KIND.SERVER,
    spanContext: () => context,
    parentSpanId: undefined,
    parentIsRemote: false,
    startTimeUnixMs: 1700000000123.456,
    endTimeUnixMs: 1700000000125.5,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: API_STATUS.UNSET },
    resource: RESOURCE_A,
    scope: SCOPE_HTTP,
    ...overrides,
  };
}

const EVERY_ATTRIBUTE_TYPE = {
  'str': 'hello',
  'str.empty': '',
  'str.unicode': 'héllo wörld ✓ 你好 🚀',
  'bool.true': true,
  'bool.false': false,
  'int.zero': 0,
  'int.small': 42,
  'int.negative': -7,
  'int.big': Number.MAX_SAFE_INTEGER,
  'int.bigNegative': Number.MIN_SAFE_INTEGER,
  'double': 3.25,
  'double.negative': -0.5,
  'double.unsafeInteger': 2 ** 60,
  'array.str': ['a', 'ü', ''],
  'array.int': [1, -2, 3],
  'array.double': [1.5, 2.5],
  'array.bool': [true, false],
  'array.empty': [],
  'array.withNull': ['x', null, 'y'],
  'skipped.undefined': undefined,
};

// Every attribute above after a round trip; a null array item becomes an empty AnyValue.
const EVERY_ATTRIBUTE_TYPE_DECODED = {
  ...EVERY_ATTRIBUTE_TYPE,
  'array.withNull': ['x', undefined, 'y'],
};
delete EVERY_ATTRIBUTE_TYPE_DECODED['skipped.undefined'];

// resource A ── scope http ── server span (every attribute type, events, link, remote parent)
//            │              └─ client span (ERROR)
//            └─ scope pg ──── query span (OK, dropped counts)
// resource B ── scope http ── consumer span
function fixtureSpans() {
  const server = makeSpan({
    parentSpanId: 'aaaaaaaaaaaaaaaa',
    parentIsRemote: true,
    context: { traceId: TRACE_ID, spanId: ROOT_ID, traceFlags: 1, traceState: traceState('vendor=abc,other=1') },
    attributes: EVERY_ATTRIBUTE_TYPE,
    events: [
      { name: 'exception', timeUnixMs: 1700000000124.001, attributes: { 'exception.type': 'Error' }, droppedAttributesCount: 2 },
      { name: 'empty', timeUnixMs: 1700000000124.5, attributes: {}, droppedAttributesCount: 0 },
    ],
    links: [
      {
        context: { traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000001', traceFlags: 0, isRemote: true, traceState: traceState('k=v') },
        attributes: { 'link.reason': 'batch' },
        droppedAttributesCount: 1,
      },
      { context: { traceId: TRACE_ID, spanId: '1111111111111111', traceFlags: 1 }, attributes: {}, droppedAttributesCount: 0 },
    ],
  });
  const client = makeSpan({
    name: 'GET',
    kind: API_KIND.CLIENT,
    context: { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1 },
    parentSpanId: ROOT_ID,
    status: { code: API_STATUS.ERROR, message: 'connect ECONNREFUSED' },
  });
  const query = makeSpan({
    name: 'SELECT users',
    kind: API_KIND.CLIENT,
    context: { traceId: TRACE_ID, spanId: '2222222222222222', traceFlags: 1 },
    parentSpanId: ROOT_ID,
    scope: SCOPE_PG,
    status: { code: API_STATUS.OK },
    droppedAttributesCount: 5,
    droppedEventsCount: 6,
    droppedLinksCount: 7,
  });
  const consumer = makeSpan({
    name: 'jobs process',
    kind: API_KIND.CONSUMER,
    context: { traceId: '11111111111111111111111111111111', spanId: '3333333333333333', traceFlags: 0 },
    resource: RESOURCE_B,
  });
  return { server, client, query, consumer, all: [server, client, query, consumer] };
}

test('timestamps: epoch ms doubles become exact nanoseconds (to the microsecond)', () => {
  const cases = [
    [1700000000123.456, 1700000000123456000n],
    [1700000000123.457, 1700000000123457000n],
    [1712345678901.234, 1712345678901234000n],
    [1700000000123, 1700000000123000000n],
    [1700000000123.9999, 1700000000124000000n], // rounds up into the next millisecond
    [1700000000000.001, 1700000000000001000n],
    [4102444800000.25, 4102444800000250000n], // year 2100
    [0.5, 500000n],
    [0, 0n],
  ];
  for (const [ms, expected] of cases) {
    assert.equal(BigInt(epochMsToNanoString(ms)), expected, `string for ${ms}`);
    const [low, high] = epochMsToNanoHalves(ms, [0, 0]);
    assert.equal((BigInt(high) << 32n) | BigInt(low), expected, `halves for ${ms}`);
  }
  // The naive product loses precision: guard that this test would notice it.
  assert.notEqual(BigInt(1700000000123.457 * 1e6), 1700000000123457000n);
});

test('protobuf: an empty batch encodes a valid, empty request', () => {
  const bytes = encodeTraceRequestProto([]);
  assert.equal(bytes.length, 0);
  assert.deepEqual(decodeTraceRequest(bytes).resourceSpans, []);
});

test('protobuf: grouping by resource then scope', () => {
  const { all } = fixtureSpans();
  const decoded = decodeTraceRequest(encodeTraceRequestProto(all));
  assert.equal(decoded.resourceSpans.length, 2);
  const [a, b] = decoded.resourceSpans;
  assert.equal(a.resource.attributes[0].value.stringValue, 'svc-a');
  assert.equal(a.resource.droppedAttributesCount, 0);
  assert.equal(b.resource.attributes[0].value.stringValue, 'svc-b');
  assert.equal(b.resource.droppedAttributesCount, 3);
  assert.deepEqual(a.scopeSpans.map((s) => [s.scope.name, s.scope.version, s.schemaUrl, s.spans.length]), [
    ['@otel-instrument/http', '0.1.0', '', 2],
    ['@otel-instrument/pg', '0.1.0', 'https://opentelemetry.io/schemas/1.30.0', 1],
  ]);
  assert.deepEqual(b.scopeSpans.map((s) => s.spans.map((x) => x.name)), [['jobs process']]);
});

test('protobuf: span fields, field by field', () => {
  const { all } = fixtureSpans();
  const decoded = decodeTraceRequest(encodeTraceRequestProto(all));
  const [serverSpan, clientSpan] = decoded.resourceSpans[0].scopeSpans[0].spans;
  const querySpan = decoded.resourceSpans[0].scopeSpans[1].spans[0];
  const consumerSpan = decoded.resourceSpans[1].scopeSpans[0].spans[0];

  assert.equal(Buffer.from(serverSpan.traceId).toString('hex'), TRACE_ID);
  assert.equal(Buffer.from(serverSpan.spanId).toString('hex'), ROOT_ID);
  assert.equal(Buffer.from(serverSpan.parentSpanId).toString('hex'), 'aaaaaaaaaaaaaaaa');
  assert.equal(serverSpan.traceState, 'vendor=abc,other=1');
  // sampled (0x01) | parent "is remote" known (0x100) | remote (0x200)
  assert.equal(serverSpan.flags, 0x301);
  assert.equal(serverSpan.name, 'GET /users/:id');
  assert.equal(serverSpan.kind, 2); // SPAN_KIND_SERVER
  assert.equal(toBigInt(serverSpan.startTimeUnixNano), 1700000000123456000n);
  assert.equal(toBigInt(serverSpan.endTimeUnixNano), 1700000000125500000n);
  assert.equal(serverSpan.status, null); // UNSET without message: omitted
  assert.equal(serverSpan.droppedAttributesCount, 0);

  assert.equal(clientSpan.kind, 3); // SPAN_KIND_CLIENT
  assert.equal(Buffer.from(clientSpan.parentSpanId).toString('hex'), ROOT_ID);
  assert.equal(clientSpan.flags, 0x101); // local parent
  assert.equal(clientSpan.traceState, '');
  assert.equal(clientSpan.status.code, 2); // STATUS_CODE_ERROR
  assert.equal(clientSpan.status.message, 'connect ECONNREFUSED');

  assert.equal(querySpan.status.code, 1); // STATUS_CODE_OK
  assert.equal(querySpan.status.message, '');
  assert.equal(querySpan.droppedAttributesCount, 5);
  assert.equal(querySpan.droppedEventsCount, 6);
  assert.equal(querySpan.droppedLinksCount, 7);

  assert.equal(consumerSpan.kind, 5); // SPAN_KIND_CONSUMER
  assert.equal(consumerSpan.parentSpanId.length, 0); // root: field absent
  assert.equal(consumerSpan.flags, 0x100); // not sampled, root
});

test('protobuf: every attribute type round-trips', () => {
  const { server } = fixtureSpans();
  const decoded = decodeTraceRequest(encodeTraceRequestProto([server]));
  const kvs = decoded.resourceSpans[0].scopeSpans[0].spans[0].attributes;
  const byKey = Object.fromEntries(kvs.map((kv) => [kv.key, kv.value]));
  assert.deepEqual(Object.keys(byKey), Object.keys(EVERY_ATTRIBUTE_TYPE_DECODED));

  // Which oneof member is set matters, not only the value.
  assert.equal(byKey['str.empty'].value, 'stringValue');
  assert.equal(byKey['bool.false'].value, 'boolValue');
  assert.equal(byKey['int.zero'].value, 'intValue');
  assert.equal(byKey['int.negative'].value, 'intValue');
  assert.equal(byKey['int.negative'].intValue.toString(), '-7');
  assert.equal(byKey['int.big'].intValue.toString(), String(Number.MAX_SAFE_INTEGER));
  assert.equal(byKey['int.bigNegative'].intValue.toString(), String(Number.MIN_SAFE_INTEGER));
  assert.equal(byKey['double'].value, 'doubleValue');
  assert.equal(byKey['double.unsafeInteger'].value, 'doubleValue');
  assert.equal(byKey['double.unsafeInteger'].doubleValue, 2 ** 60);
  assert.equal(byKey['array.empty'].value, 'arrayValue');
  assert.deepEqual(byKey['array.empty'].arrayValue.values, []);
  assert.equal(byKey['array.withNull'].arrayValue.values[1].value, undefined);

  assert.deepEqual(normalizeProtoRequest(decoded)[0].attributes, EVERY_ATTRIBUTE_TYPE_DECODED);
});

test('protobuf: events and links', () => {
  const { server } = fixtureSpans();
  const span = decodeTraceRequest(encodeTraceRequestProto([server])).resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.events.length, 2);
  assert.equal(span.events[0].name, 'exception');
  assert.equal(toBigInt(span.events[0].timeUnixNano), 1700000000124001000n);
  assert.equal(span.events[0].attributes[0].key, 'exception.type');
  assert.equal(span.events[0].droppedAttributesCount, 2);
  assert.equal(span.events[1].attributes.length, 0);

  const [remoteLink, localLink] = span.links;
  assert.equal(Buffer.from(remoteLink.traceId).toString('hex'), 'ffffffffffffffffffffffffffffffff');
  assert.equal(Buffer.from(remoteLink.spanId).toString('hex'), '0000000000000001');
  assert.equal(remoteLink.traceState, 'k=v');
  assert.equal(remoteLink.flags, 0x300); // not sampled, known remote
  assert.equal(remoteLink.attributes[0].value.stringValue, 'batch');
  assert.equal(remoteLink.droppedAttributesCount, 1);
  assert.equal(localLink.flags, 0x01); // isRemote absent: unknown, only trace flags
  assert.equal(localLink.traceState, '');
});

test('protobuf: large batch with long strings (multi-byte length varints) decodes', () => {
  const long = 'x'.repeat(20000) + 'é';
  const spans = Array.from({ length: 300 }, (_, i) =>
    makeSpan({ name: `span-${i}`, attributes: { long, i }, context: { traceId: TRACE_ID, spanId: i.toString(16).padStart(16, '0'), traceFlags: 1 } }),
  );
  const normalized = normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto(spans)));
  assert.equal(normalized.length, 300);
  assert.equal(normalized[299].name, 'span-299');
  assert.equal(normalized[299].spanId, '000000000000012b');
  assert.equal(normalized[299].attributes.long, long);
  assert.equal(normalized[299].attributes.i, 299);
});

// Re-encoding what protobufjs decoded gives the canonical size of the same fields: equal sizes
// mean every varint we wrote (lengths above all) is minimal and no field was written twice.
function assertCanonicalSize(bytes) {
  const reencoded = ExportTraceServiceRequest.encode(decodeTraceRequest(bytes)).finish();
  assert.equal(bytes.length, reencoded.length, 'encoded size differs from the canonical size');
}

const KIND_NAMES = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];

/** What the decoder must give back for `span`, computed from the input alone. */
function expectedSpan(span, startNanos, endNanos) {
  const context = span.spanContext();
  const remote = span.parentSpanId !== undefined && span.parentIsRemote;
  const attributes = Object.fromEntries(Object.entries(span.attributes).filter(([, v]) => v !== undefined && v !== null));
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanId ?? '',
    traceState: context.traceState?.serialize() ?? '',
    flags: (context.traceFlags & 0xff) | 0x100 | (remote ? 0x200 : 0),
    name: span.name,
    kind: KIND_NAMES[span.kind],
    startTimeUnixNano: startNanos,
    endTimeUnixNano: endNanos,
    attributes,
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: e.expectedNanos,
      attributes: e.attributes,
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: [],
    droppedLinksCount: span.droppedLinksCount,
    status: { code: STATUS_NAMES[span.status.code], message: span.status.message ?? '' },
    resource: { attributes: span.resource.attributes },
    scope: { name: span.scope.name, version: span.scope.version ?? '' },
  };
}

// One resource (frozen, as createResource makes it), three scopes, 256 requests:
// GET /users/:id (SERVER, otel-instrument/http, remote parent on every third)
//  └─ GET (CLIENT, otel-instrument/http or otel-instrument/fetch, alternating)
function realisticBatch() {
  const resource = Object.freeze({
    attributes: Object.freeze({
      'telemetry.sdk.name': 'otel-instrument',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '0.1.0',
      'service.instance.id': '6f1c2a3e-9d4b-4c5a-8e7f-0a1b2c3d4e5f',
      'process.pid': 4242,
      'process.executable.name': 'node',
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '20.20.2',
      'process.runtime.description': 'Node.js',
      'host.arch': 'amd64',
      'os.type': 'linux',
      'host.name': 'web-7f9c-xk2p',
      'service.name': 'gateway',
    }),
    droppedAttributesCount: 0,
  });
  const http = Object.freeze({ name: 'otel-instrument/http', version: '0.1.0', schemaUrl: undefined });
  const fetchScope = Object.freeze({ name: 'otel-instrument/fetch', version: '0.1.0', schemaUrl: undefined });
  const userAgents = [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'curl/8.5.0',
    // Non-ASCII and over 127 bytes: a 2-byte string length inside a fast-path-sized KeyValue.
    `Bücherwurm/1.0 (${'ü'.repeat(70)})`,
  ];
  const spans = [];
  const expected = [];
  const micros = (i) => 1700000000000000n + BigInt(i) * 1237n; // exact µs, as doubles carry them
  for (let i = 0; i < 256; i++) {
    const traceId = (0x10000000 + i).toString(16).repeat(4);
    const serverId = (0x20000000 + i).toString(16).padStart(16, '0');
    const clientId = (0x30000000 + i).toString(16).padStart(16, '0');
    const error = i % 50 === 7;
    const startUs = micros(i);
    const endUs = startUs + 2500n + BigInt(i);
    const server = makeSpan({
      name: 'GET /users/:id',
      kind: API_KIND.SERVER,
      context: { traceId, spanId: serverId, traceFlags: 1, traceState: i % 10 === 0 ? traceState('vendor=v1') : undefined },
      parentSpanId: i % 3 === 0 ? 'b7ad6b7169203331' : undefined,
      parentIsRemote: i % 3 === 0,
      startTimeUnixMs: Number(startUs) / 1000,
      endTimeUnixMs: Number(endUs) / 1000,
      resource,
      scope: http,
      attributes: {
        'http.request.method': 'GET',
        'url.path': i % 16 === 5 ? `/users/${i}/café` : `/users/${i}`,
        'url.scheme': 'http',
        'url.query': i % 4 === 0 ? 'include=orders&limit=20' : undefined,
        'server.address': 'api.internal.example.com',
        'server.port': 8080,
        'client.address': '10.0.3.17',
        'network.peer.address': '10.0.3.17',
        'network.peer.port': 40000 + i,
        'network.protocol.version': '1.1',
        'user_agent.original': userAgents[i % userAgents.length],
        'http.route': '/users/:id',
        'http.response.status_code': error ? 500 : 200,
        'error.type': error ? '500' : undefined,
        'app.cache.hit': i % 2 === 0,
        'app.load.ratio': i / 7,
      },
      status: error ? { code: API_STATUS.ERROR } : { code: API_STATUS.UNSET },
      events: error
        ? [{ name: 'exception', timeUnixMs: Number(startUs + 1000n) / 1000, expectedNanos: (startUs + 1000n) * 1000n,
            attributes: { 'exception.type': 'Error', 'exception.stacktrace': `Error: boom\n${'    at handler (/app/server.js:42:7)\n'.repeat(8)}` },
            droppedAttributesCount: 0 }]
        : [],
    });
    const client = makeSpan({
      name: 'GET',
      kind: API_KIND.CLIENT,
      context: { traceId, spanId: clientId, traceFlags: 1 },
      parentSpanId: serverId,
      startTimeUnixMs: Number(startUs + 300n) / 1000,
      endTimeUnixMs: Number(startUs + 2100n) / 1000,
      resource,
      scope: i % 2 === 0 ? http : fetchScope,
      attributes: {
        'http.request.method': 'GET',
        'url.full': `http://users-db.internal:3001/v1/users/${i}?fields=name,email`,
        'server.address': 'users-db.internal',
        'server.port': 3001,
        'network.peer.address': '10.0.7.42',
        'network.peer.port': 3001,
        'http.response.status_code': error ? 503 : 200,
        'network.protocol.version': '1.1',
      },
      status: error ? { code: API_STATUS.ERROR, message: 'upstream answered 503' } : { code: API_STATUS.UNSET },
    });
    spans.push(client, server); // children end first, as in a real batch
    expected.push(
      { span: client, start: (startUs + 300n) * 1000n, end: (startUs + 2100n) * 1000n },
      { span: server, start: startUs * 1000n, end: endUs * 1000n },
    );
  }
  return { spans, expected, scopes: [http, fetchScope] };
}

test('protobuf: a realistic HTTP batch (512 spans, 3 scopes) decodes field by field', () => {
  const { spans, expected, scopes } = realisticBatch();
  const bytes = encodeTraceRequestProto(spans);
  assertCanonicalSize(bytes);
  const decoded = decodeTraceRequest(bytes);
  assert.equal(decoded.resourceSpans.length, 1);
  const [resourceSpans] = decoded.resourceSpans;
  assert.equal(resourceSpans.resource.droppedAttributesCount, 0);
  // Scopes in order of first appearance: the first span is a CLIENT from http.
  assert.deepEqual(
    resourceSpans.scopeSpans.map((s) => [s.scope.name, s.scope.version, s.schemaUrl]),
    scopes.map((s) => [s.name, s.version, '']),
  );
  // Within a scope, spans keep batch order.
  const expectedInOrder = scopes.flatMap((scope) => expected.filter((e) => e.span.scope === scope));
  const actual = normalizeProtoRequest(decoded);
  assert.equal(actual.length, 512);
  for (let i = 0; i < actual.length; i++) {
    const { span, start, end } = expectedInOrder[i];
    assert.deepEqual(actual[i], expectedSpan(span, start, end), `span ${i} (${span.spanContext().spanId})`);
  }
  // The same batch again: the reused writer gives the same bytes.
  assert.deepEqual(encodeTraceRequestProto(spans), bytes);
});

/** The decoded request as scope → its spans, each scope's spans sorted by span id. */
function spansByScope(bytes) {
  const decoded = decodeTraceRequest(bytes);
  const byScope = new Map();
  const spans = normalizeProtoRequest(decoded);
  let i = 0;
  for (const resourceSpans of decoded.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      const key = `${resourceSpans.resource.attributes.map((a) => a.value.stringValue).join()}|${scopeSpans.scope.name}`;
      const list = byScope.get(key) ?? [];
      for (let n = 0; n < scopeSpans.spans.length; n++) list.push(spans[i++]);
      byScope.set(key, list);
    }
  }
  for (const list of byScope.values()) list.sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  return byScope;
}

/** Prepares each span as the batch processor does when it ends; the queue slots it would fill. */
function prepareAll(preparer, spans) {
  return spans.map((span) => preparer.prepare(span));
}

/** What the batch processor's take() does: each run's first slots become a run of their own. */
function takeBatch(slots) {
  const counts = new Map();
  for (const slot of slots) if (slot.isPrepared === true) counts.set(slot, (counts.get(slot) ?? 0) + 1);
  const parts = new Map([...counts].map(([run, n]) => [run, run.detachFirst(n)]));
  return slots.map((slot) => parts.get(slot) ?? slot);
}

test('protobuf: spans prepared as they end (SpanPreparer), taken in batches and mixed with unprepared ones, give the request the spans themselves give', () => {
  const { spans } = realisticBatch();
  const direct = encodeTraceRequestProto(spans);
  const preparer = new SpanPreparer();
  // The first 448 prepared, the last 64 left as spans (a prepare failed, say).
  const slots = [...prepareAll(preparer, spans.slice(0, 448)), ...spans.slice(448)];
  for (const slot of slots.slice(0, 448)) assert.equal(slot.isPrepared, true);
  const batch = takeBatch(slots);
  const mixed = encodeTraceRequestProto(batch);
  assertCanonicalSize(mixed);
  assert.deepEqual(spansByScope(mixed), spansByScope(direct));
  // The same scopes, once each, in the same order.
  const scopeNames = (bytes) => decodeTraceRequest(bytes).resourceSpans.flatMap((r) => r.scopeSpans.map((s) => s.scope.name));
  assert.deepEqual(scopeNames(mixed), scopeNames(direct));
  // A taken batch is reusable (a retry, the exit path): spans prepared since do not change it.
  prepareAll(preparer, spans);
  assert.deepEqual(encodeTraceRequestProto(batch), mixed);
  // Two resources and scopes interleaved: each prepared span keeps its own.
  const { all } = fixtureSpans();
  assert.deepEqual(spansByScope(encodeTraceRequestProto(takeBatch(prepareAll(new SpanPreparer(), all)))), spansByScope(encodeTraceRequestProto(all)));
});

test('protobuf: prepared spans are one run per resource and scope, which batches take from the front, each span sent once', () => {
  const { spans } = realisticBatch();
  const preparer = new SpanPreparer();
  const slots = prepareAll(preparer, spans.slice(0, 64));
  const runs = [...new Set(slots)];
  assert.equal(runs.length, new Set(spans.slice(0, 64).map((s) => s.scope)).size, 'one object per scope, however many spans');
  for (const run of runs) assert.equal(run.count, slots.filter((s) => s === run).length);
  // A batch of the first 40 slots; the next batch gets the rest and 64 spans prepared since.
  const first = takeBatch(slots.slice(0, 40));
  for (const run of runs) assert.equal(run.count, slots.slice(40).filter((s) => s === run).length, 'the run keeps what the batch left');
  const later = prepareAll(preparer, spans.slice(64, 128));
  const second = takeBatch([...slots.slice(40), ...later]);
  const ids = (bytes) => normalizeProtoRequest(decodeTraceRequest(bytes)).map((s) => s.spanId);
  const sent = [...ids(encodeTraceRequestProto(first)), ...ids(encodeTraceRequestProto(second))];
  assert.equal(sent.length, 128);
  assert.deepEqual(sent.sort(), ids(encodeTraceRequestProto(spans.slice(0, 128))).sort());
  assert.throws(() => runs[0].detachFirst(0), RangeError);
  assert.throws(() => runs[0].detachFirst(runs[0].count + 1), RangeError);
});

test('protobuf: a chunk is reused once every batch that held its spans has settled, never before', () => {
  const { spans } = realisticBatch();
  const preparer = new SpanPreparer();
  const expected = (from, to) => spansByScope(encodeTraceRequestProto(spans.slice(from, to)));
  // Enough spans to fill several 64 KB chunks of the scope, taken in batches of 512.
  const many = [];
  for (let i = 0; i < 8; i++) many.push(...spans);
  let batches = [];
  for (let i = 0; i < many.length; i += 512) batches.push(takeBatch(prepareAll(preparer, many.slice(i, i + 512))));
  const requests = batches.map((batch) => encodeTraceRequestProto(batch));
  // Unreleased, the batches keep their bytes however many spans are prepared after them.
  for (let i = 0; i < 4; i++) takeBatch(prepareAll(preparer, spans));
  batches.forEach((batch, i) => assert.deepEqual(encodeTraceRequestProto(batch), requests[i], `batch ${i} before release`));
  // Released (settled), their chunks go back to be written again: later spans are still right.
  for (const batch of batches) for (const part of new Set(batch)) part.release();
  batches = [];
  for (let round = 0; round < 4; round++) {
    const batch = takeBatch(prepareAll(preparer, spans));
    assert.deepEqual(spansByScope(encodeTraceRequestProto(batch)), expected(0, spans.length), `round ${round} after reuse`);
    for (const part of new Set(batch)) part.release();
  }
});

/** Array buffers' bytes now, after a full collection; grownMb() tells their growth since. */
function arrayBuffersBaseline() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  gc();
  const before = process.memoryUsage().arrayBuffers;
  return { gc, grownMb: () => (process.memoryUsage().arrayBuffers - before) / 2 ** 20 };
}

test('protobuf: spans of more scopes than get a chunk each take only their own bytes, and go out right', async () => {
  const buffers = arrayBuffersBaseline();
  const preparer = new SpanPreparer();
  // 3000 spans of 500 tracers taking turns (an app that makes a tracer per route, say): a 64 KB
  // chunk for each scope it met would hold 30 MB here, and one per span 190 MB.
  const scopes = Array.from({ length: 500 }, (_, i) => ({ name: `tracer-${i}`, version: '1.0.0' }));
  const spans = Array.from({ length: 3000 }, (_, i) => makeSpan({ name: `span-${i}`, scope: scopes[i % scopes.length], attributes: { i } }));
  const batch = takeBatch(prepareAll(preparer, spans));
  const heldMb = buffers.grownMb();
  assert.ok(heldMb < 8, `${heldMb.toFixed(1)} MB of buffers held by 3000 queued spans`);
  assert.deepEqual(spansByScope(encodeTraceRequestProto(batch)), spansByScope(encodeTraceRequestProto(spans)));
});

test('protobuf: a prepare that throws mid-way leaves nothing behind for the next one', () => {
  const { all } = fixtureSpans();
  const broken = makeSpan({ name: 'broken' });
  broken.spanContext = () => {
    throw new Error('boom');
  };
  const preparer = new SpanPreparer();
  const before = prepareAll(preparer, all);
  assert.throws(() => preparer.prepare(broken), /boom/);
  const after = prepareAll(preparer, all);
  assert.deepEqual(spansByScope(encodeTraceRequestProto(takeBatch([...before, ...after]))), spansByScope(encodeTraceRequestProto([...all, ...all])));
});

test('protobuf: a prepare of a huge span does not keep the scratch buffer it grew (as a request does not)', async () => {
  const { gc, grownMb } = arrayBuffersBaseline();
  const preparer = new SpanPreparer();
  // 12 MB of attribute: the writer's scratch buffer doubles to 16 MiB to hold it, and the span
  // gets a chunk of its own, which goes once its batch is gone.
  let batch = takeBatch([preparer.prepare(makeSpan({ attributes: { big: 'x'.repeat(12 * 1024 * 1024) } }))]);
  assert.equal(batch[0].count, 1);
  batch = undefined;
  const { all } = fixtureSpans();
  assert.equal(takeBatch(prepareAll(preparer, all)).length, all.length);
  // Array buffers are freed off the main thread, after the collection that finds them dead.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const keptMb = grownMb();
  assert.ok(keptMb < 4, `${keptMb.toFixed(1)} MB of buffers kept after the huge prepare`);
});

test('protobuf: length varints at 1-, 2- and 3-byte boundaries are minimal and decode', () => {
  // Strings and keys whose sizes put the string, its KeyValue and its span on either side of
  // 127/128 and 16383/16384 bytes; ASCII and not, so both string paths are crossed.
  const lengths = [0, 1, 60, 63, 64, 65, 66, 110, 115, 120, 125, 126, 127, 128, 129, 200, 16300, 16370, 16380, 16383, 16384, 16390];
  const spans = [];
  for (const n of lengths) {
    for (const fill of ['a', 'é']) {
      const value = fill === 'a' ? 'a'.repeat(n) : `${'é'.repeat(n >> 1)}${'a'.repeat(n & 1)}`;
      spans.push(
        makeSpan({ name: `value-${fill}-${n}`, attributes: { k: value } }),
        makeSpan({ name: `key-${fill}-${n}`, attributes: { [`${fill.repeat(n)}key`]: 1 } }),
        makeSpan({ name: fill.repeat(n) }), // the span itself near a boundary
      );
    }
  }
  spans.push(makeSpan({ name: '', attributes: {} })); // the smallest span: its length shrinks
  const bytes = encodeTraceRequestProto(spans);
  assertCanonicalSize(bytes);
  const normalized = normalizeProtoRequest(decodeTraceRequest(bytes));
  assert.deepEqual(normalized.map((s) => [s.name, s.attributes]), spans.map((s) => [s.name, s.attributes]));
});

test('protobuf: attribute keys: empty, non-ASCII, long, and more distinct keys than the cache holds', () => {
  const spans = [];
  for (let i = 0; i < 40; i++) {
    const attributes = {};
    for (let j = 0; j < 100; j++) attributes[`app.key.${i}.${j}`] = j % 2 ? `v${j}` : j;
    spans.push(makeSpan({ name: `s${i}`, attributes }));
  }
  const special = { '': 'empty key', 'clé': 'valeur', ['k'.repeat(300)]: 'long key', 'http.route': '/x' };
  spans.push(makeSpan({ name: 'special', attributes: special }));
  // Twice: the second run reads keys back from the cache (or after it started over).
  for (let run = 0; run < 2; run++) {
    const bytes = encodeTraceRequestProto(spans);
    assertCanonicalSize(bytes);
    const normalized = normalizeProtoRequest(decodeTraceRequest(bytes));
    assert.deepEqual(normalized.map((s) => s.attributes), spans.map((s) => s.attributes));
  }
});

test('protobuf: repeated values, which the encoder copies whole, decode as written wherever they recur', () => {
  // A value seen twice in a row for a key has its whole KeyValue kept and copied from then on
  // (KeyEntry): the copy must carry this span's value, under the field it is written to (span,
  // event and resource attributes share keys), and stop the moment the value changes.
  const values = ['GET', 'GET', 'GET', 'POST', 'GET', 'POST', 'POST', 'POST', 200, 200, 404, 200, true, true, false, 'GET', 1.5, 1.5];
  const spans = values.map((value, i) =>
    makeSpan({
      name: `s${i}`,
      attributes: { 'http.request.method': value, 'same.every.time': 'x', 'changes': `c${i % 3}` },
      events: i % 4 === 0 ? [{ name: 'e', timeUnixMs: 1700000000124, attributes: { 'http.request.method': value, 'same.every.time': 'x' }, droppedAttributesCount: 0 }] : [],
      resource: { attributes: { 'same.every.time': 'x', 'http.request.method': 'GET' }, droppedAttributesCount: 0 },
    }),
  );
  for (let run = 0; run < 2; run++) {
    const bytes = encodeTraceRequestProto(spans);
    assertCanonicalSize(bytes);
    const decoded = decodeTraceRequest(bytes);
    const normalized = normalizeProtoRequest(decoded);
    assert.deepEqual(normalized.map((s) => s.attributes), spans.map((s) => s.attributes));
    assert.deepEqual(normalized.map((s) => s.events.map((e) => e.attributes)), spans.map((s) => s.events.map((e) => e.attributes)));
    // The type of each value, not only its printed form: 200 stays an int, 1.5 a double.
    const kinds = decoded.resourceSpans.flatMap((r) => r.scopeSpans[0].spans).map((s) => s.attributes.find((kv) => kv.key === 'http.request.method').value.value);
    assert.deepEqual(kinds, values.map((v) => (typeof v === 'string' ? 'stringValue' : typeof v === 'boolean' ? 'boolValue' : Number.isInteger(v) ? 'intValue' : 'doubleValue')));
  }
});

test('protobuf: only an attributes object\'s own properties are encoded, as JSON and the official SDK read it', () => {
  // Read with Object.keys (see encodeAttributes for why not for-in): an enumerable property on
  // the prototype of an app's attributes or kvlist object is not one of its attributes.
  const attributes = Object.create({ inherited: 'from the prototype' });
  attributes.own = 'mine';
  attributes.nested = Object.assign(Object.create({ alsoInherited: 1 }), { inner: 2 });
  const decoded = normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto([makeSpan({ attributes })])));
  assert.deepEqual(decoded[0].attributes, { own: 'mine', nested: { inner: 2 } });
});

test('protobuf: an attribute getter that deletes a later key leaves every other value under its own key', () => {
  // The values are read with Object.values, in Object.keys order; a getter that changes the keys
  // meanwhile makes the two lists differ, and each value is then read by its key.
  const attributes = { first: 'one', second: 'two', third: 'three', fourth: 4 };
  Object.defineProperty(attributes, 'second', {
    enumerable: true,
    get() {
      delete attributes.third;
      return 'two';
    },
  });
  const decoded = normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto([makeSpan({ attributes })])));
  assert.deepEqual(decoded[0].attributes, { first: 'one', second: 'two', fourth: 4 });
});

test('protobuf: ids that are not lowercase hex decode as Buffer decodes hex (zero-filled after a bad pair)', () => {
  const ids = [
    'ABCDEF0123456789', // upper case is hex
    'zz23456789abcdef', // bad first pair: all zero
    '01234567g9abcdef', // bad fifth pair: four bytes, then zeros
    '0123456789abcdef0', // odd length: the last char is ignored
    '0123456789abcdeé', // non-ASCII
    '01\u013023456789abcd', // Buffer reads the low byte of a char: U+0130 as '0'
    '0', // shorter than a byte: an empty bytes field
  ];
  const spans = ids.map((spanId, i) => makeSpan({ name: `id-${i}`, context: { traceId: TRACE_ID, spanId, traceFlags: 1 } }));
  const normalized = normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto(spans)));
  for (let i = 0; i < ids.length; i++) {
    const byteLength = ids[i].length >>> 1;
    const expected = Buffer.alloc(byteLength);
    expected.write(ids[i], 0, byteLength, 'hex');
    assert.equal(normalized[i].spanId, expected.toString('hex'), ids[i]);
  }
});

test('protobuf: a batch that throws mid-way leaves nothing behind for the next one', () => {
  const broken = makeSpan({ name: 'broken' });
  broken.spanContext = () => {
    throw new Error('boom');
  };
  const { all } = fixtureSpans();
  const before = encodeTraceRequestProto(all);
  assert.throws(() => encodeTraceRequestProto([...all, broken]), /boom/);
  assert.deepEqual(encodeTraceRequestProto(all), before);
  // A batch large enough to grow the scratch buffer, then a small one again.
  const big = makeSpan({ attributes: { big: 'x'.repeat(6 * 1024 * 1024) } });
  assert.equal(normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto([big])))[0].attributes.big.length, 6 * 1024 * 1024);
  assert.deepEqual(encodeTraceRequestProto(all), before);
});

test('json: follows the OTLP/JSON rules', () => {
  const { client, query, consumer } = fixtureSpans();
  const request = JSON.parse(encodeTraceRequestJson([client, query, consumer]));
  assert.deepEqual(Object.keys(request), ['resourceSpans']);
  const [a, b] = request.resourceSpans;
  assert.deepEqual(a.resource, {
    attributes: [
      { key: 'service.name', value: { stringValue: 'svc-a' } },
      { key: 'host.cpus', value: { intValue: '8' } },
    ],
  });
  assert.deepEqual(b.resource.droppedAttributesCount, 3);
  assert.deepEqual(a.scopeSpans[1].scope, { name: '@otel-instrument/pg', version: '0.1.0' });
  assert.equal(a.scopeSpans[1].schemaUrl, 'https://opentelemetry.io/schemas/1.30.0');

  assert.deepEqual(a.scopeSpans[0].spans[0], {
    traceId: TRACE_ID, // hex, not base64
    spanId: '00f067aa0ba902b7',
    parentSpanId: ROOT_ID,
    flags: 0x101,
    name: 'GET',
    kind: 3, // enums as integers
    startTimeUnixNano: '1700000000123456000', // 64-bit as decimal strings
    endTimeUnixNano: '1700000000125500000',
    attributes: [],
    events: [],
    links: [],
    status: { message: 'connect ECONNREFUSED', code: 2 },
  });
  assert.deepEqual(a.scopeSpans[1].spans[0].status, { code: 1 });
  assert.equal(a.scopeSpans[1].spans[0].droppedLinksCount, 7);
  assert.deepEqual(b.scopeSpans[0].spans[0].status, {});
  assert.equal('parentSpanId' in b.scopeSpans[0].spans[0], false);
});

test('json: attribute values, events and links', () => {
  const { server } = fixtureSpans();
  const span = JSON.parse(encodeTraceRequestJson([server])).resourceSpans[0].scopeSpans[0].spans[0];
  const byKey = Object.fromEntries(span.attributes.map((kv) => [kv.key, kv.value]));
  assert.deepEqual(byKey['str.unicode'], { stringValue: 'héllo wörld ✓ 你好 🚀' });
  assert.deepEqual(byKey['bool.false'], { boolValue: false });
  assert.deepEqual(byKey['int.bigNegative'], { intValue: String(Number.MIN_SAFE_INTEGER) });
  assert.deepEqual(byKey['double'], { doubleValue: 3.25 });
  assert.deepEqual(byKey['array.int'], {
    arrayValue: { values: [{ intValue: '1' }, { intValue: '-2' }, { intValue: '3' }] },
  });
  assert.deepEqual(byKey['array.empty'], { arrayValue: { values: [] } });
  assert.deepEqual(byKey['array.withNull'].arrayValue.values[1], {});
  assert.equal('skipped.undefined' in byKey, false);

  assert.equal(span.traceState, 'vendor=abc,other=1');
  assert.deepEqual(span.events[0], {
    timeUnixNano: '1700000000124001000',
    name: 'exception',
    attributes: [{ key: 'exception.type', value: { stringValue: 'Error' } }],
    droppedAttributesCount: 2,
  });
  assert.deepEqual(span.links[0], {
    traceId: 'ffffffffffffffffffffffffffffffff',
    spanId: '0000000000000001',
    traceState: 'k=v',
    attributes: [{ key: 'link.reason', value: { stringValue: 'batch' } }],
    droppedAttributesCount: 1,
    flags: 0x300,
  });
});

test('json and protobuf carry the same content', () => {
  const { all } = fixtureSpans();
  const fromProto = normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto(all)));
  const fromJson = normalizeJsonRequest(JSON.parse(encodeTraceRequestJson(all)));
  assert.equal(fromProto.length, 4);
  assert.deepEqual(fromJson, fromProto);
  assert.equal(fromProto[0].kind, 'SERVER');
  assert.equal(fromProto[1].status.code, 'ERROR');
  assert.deepEqual(fromProto[3].resource, { attributes: { 'service.name': 'svc-b' } });
});

test('json: an empty batch', () => {
  assert.deepEqual(JSON.parse(encodeTraceRequestJson([])), { resourceSpans: [] });
});
