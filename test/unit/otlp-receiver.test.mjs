// The test receiver every e2e test relies on: it must decode both wire formats (and gzip) into
// the same normalized spans, follow its response script, and fail loudly when spans never come.
// Request bodies are built by protobufjs from the official protos, not by our encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from '../helpers/otlp-proto.mjs';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

// One request with two spans:
// GET /items (SERVER)
//  └─ SELECT items (CLIENT, ERROR)
const JSON_REQUEST = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeSpans: [
        {
          scope: { name: 'http', version: '1.0.0' },
          spans: [
            {
              traceId: TRACE_ID,
              spanId: '00f067aa0ba902b7',
              flags: 0x301,
              name: 'GET /items',
              kind: 2,
              startTimeUnixNano: '1700000000123456000',
              endTimeUnixNano: '1700000000223456000',
              attributes: [
                { key: 'http.response.status_code', value: { intValue: '200' } },
                { key: 'ok', value: { boolValue: true } },
                { key: 'ratio', value: { doubleValue: 0.5 } },
                { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
                { key: 'blob', value: { bytesValue: Buffer.from([1, 2, 3]).toString('base64') } },
              ],
              events: [{ name: 'ev', timeUnixNano: '1700000000200000000', attributes: [], droppedAttributesCount: 1 }],
              links: [{ traceId: TRACE_ID, spanId: '1111111111111111', traceState: 'k=v', attributes: [], flags: 0x300 }],
              droppedLinksCount: 2,
              status: {},
            },
            {
              traceId: TRACE_ID,
              spanId: '2222222222222222',
              parentSpanId: '00f067aa0ba902b7',
              traceState: 'vendor=1',
              flags: 0x101,
              name: 'SELECT items',
              kind: 3,
              startTimeUnixNano: '1700000000150000000',
              endTimeUnixNano: '1700000000160000000',
              attributes: [],
              events: [],
              links: [],
              status: { code: 2, message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
};

const EXPECTED_SPANS = [
  {
    traceId: TRACE_ID,
    spanId: '00f067aa0ba902b7',
    parentSpanId: '',
    traceState: '',
    flags: 0x301,
    name: 'GET /items',
    kind: 'SERVER',
    startTimeUnixNano: 1700000000123456000n,
    endTimeUnixNano: 1700000000223456000n,
    attributes: { 'http.response.status_code': 200, ok: true, ratio: 0.5, tags: ['a', 'b'], blob: Buffer.from([1, 2, 3]) },
    droppedAttributesCount: 0,
    events: [{ name: 'ev', timeUnixNano: 1700000000200000000n, attributes: {}, droppedAttributesCount: 1 }],
    droppedEventsCount: 0,
    links: [{ traceId: TRACE_ID, spanId: '1111111111111111', traceState: 'k=v', flags: 0x300, attributes: {}, droppedAttributesCount: 0 }],
    droppedLinksCount: 2,
    status: { code: 'UNSET', message: '' },
    resource: { attributes: { 'service.name': 'shop' } },
    scope: { name: 'http', version: '1.0.0' },
  },
  {
    traceId: TRACE_ID,
    spanId: '2222222222222222',
    parentSpanId: '00f067aa0ba902b7',
    traceState: 'vendor=1',
    flags: 0x101,
    name: 'SELECT items',
    kind: 'CLIENT',
    startTimeUnixNano: 1700000000150000000n,
    endTimeUnixNano: 1700000000160000000n,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 'ERROR', message: 'boom' },
    resource: { attributes: { 'service.name': 'shop' } },
    scope: { name: 'http', version: '1.0.0' },
  },
];

/** The same request as protobuf, built by protobufjs (ids and bytes as Buffers, 64-bit as strings). */
function protobufBody() {
  const bytesFromBase64 = (kv) =>
    kv.value.bytesValue ? { ...kv, value: { bytesValue: Buffer.from(kv.value.bytesValue, 'base64') } } : kv;
  const idFields = (o) => ({
    ...o,
    traceId: Buffer.from(o.traceId, 'hex'),
    spanId: Buffer.from(o.spanId, 'hex'),
    ...(o.parentSpanId ? { parentSpanId: Buffer.from(o.parentSpanId, 'hex') } : {}),
  });
  const plain = structuredClone(JSON_REQUEST);
  for (const ss of plain.resourceSpans[0].scopeSpans) {
    ss.spans = ss.spans.map((s) => ({ ...idFields(s), attributes: s.attributes.map(bytesFromBase64), links: s.links.map(idFields) }));
  }
  const message = ExportTraceServiceRequest.fromObject(plain);
  return Buffer.from(ExportTraceServiceRequest.encode(message).finish());
}

async function post(url, body, headers) {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, contentType: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

test('protobuf body: decoded and normalized; empty protobuf response', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(receiver.tracesUrl, `${receiver.url}/v1/traces`);

  const res = await post(receiver.tracesUrl, protobufBody(), { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200);
  assert.equal(res.contentType, 'application/x-protobuf');
  assert.deepEqual(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.body)), {});

  const spans = await receiver.waitForSpans(2);
  assert.deepEqual(spans, EXPECTED_SPANS);
  assert.equal(receiver.requests.length, 1);
  assert.equal(receiver.requests[0].path, '/v1/traces');
  assert.equal(receiver.requests[0].contentType, 'application/x-protobuf');
  assert.equal(receiver.requests[0].spanCount, 2);
});

test('json body: same normalized spans; JSON response', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const res = await post(receiver.tracesUrl, JSON.stringify(JSON_REQUEST), { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(res.status, 200);
  assert.equal(res.contentType, 'application/json');
  assert.deepEqual(JSON.parse(res.body.toString()), {});
  assert.deepEqual(await receiver.waitForSpans(2), EXPECTED_SPANS);
  assert.equal(receiver.requests[0].contentType, 'application/json');
});

test('gzip bodies (protobuf and json) are decompressed', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  await post(receiver.tracesUrl, gzipSync(protobufBody()), {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'gzip',
  });
  await post(receiver.tracesUrl, gzipSync(JSON.stringify(JSON_REQUEST)), {
    'content-type': 'application/json',
    'content-encoding': 'gzip',
  });
  const spans = await receiver.waitForSpans(4);
  assert.deepEqual(spans, [...EXPECTED_SPANS, ...EXPECTED_SPANS]);
  assert.deepEqual(receiver.requests.map((r) => [r.contentEncoding, r.status, r.spanCount]), [
    ['gzip', 200, 2],
    ['gzip', 200, 2],
  ]);
});

test('scripted 503 then 200: spans recorded only for the 2xx answer', async (t) => {
  const receiver = await startReceiver({
    responses: [{ status: 503, headers: { 'retry-after': '1' }, body: 'busy' }],
  });
  t.after(() => receiver.close());
  const body = protobufBody();
  const headers = { 'content-type': 'application/x-protobuf', 'x-api-key': 'secret' };

  const first = await post(receiver.tracesUrl, body, headers);
  assert.equal(first.status, 503);
  assert.equal(first.body.toString(), 'busy');
  assert.equal(receiver.spans.length, 0);

  const second = await post(receiver.tracesUrl, body, headers);
  assert.equal(second.status, 200);
  assert.equal((await receiver.waitForSpans(2)).length, 2);
  assert.deepEqual(receiver.requests.map((r) => [r.status, r.spanCount]), [
    [503, 2],
    [200, 2],
  ]);
  assert.equal(receiver.requests[0].headers['x-api-key'], 'secret');
});

test('waitForSpans: resolves on a predicate when a later request arrives', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const waiting = receiver.waitForSpans((spans) => spans.some((s) => s.name === 'SELECT items'));
  await post(receiver.tracesUrl, JSON.stringify(JSON_REQUEST), { 'content-type': 'application/json' });
  const spans = await waiting;
  assert.ok(spans.some((s) => s.name === 'SELECT items'));
});

test('waitForSpans: rejects after the timeout, naming the spans that did arrive', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  await post(receiver.tracesUrl, JSON.stringify(JSON_REQUEST), { 'content-type': 'application/json' });
  await assert.rejects(receiver.waitForSpans(3, { timeoutMs: 50 }), (err) => {
    assert.match(err.message, /timed out after 50 ms waiting for 3 spans/);
    assert.match(err.message, /2 arrived: \[GET \/items \(SERVER\), SELECT items \(CLIENT\)\]/);
    return true;
  });
});

test('undecodable bodies get 400 and record no spans', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const res = await post(receiver.tracesUrl, 'not json', { 'content-type': 'application/json' });
  assert.equal(res.status, 400);
  assert.equal(receiver.spans.length, 0);
  assert.equal(receiver.requests[0].status, 400);
  assert.ok(receiver.requests[0].error);
});
