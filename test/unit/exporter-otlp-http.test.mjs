// OtlpHttpExporter against a real HTTP server on 127.0.0.1: content types, headers, gzip,
// the retry rules (429/502/503/504 + network errors, Retry-After, no retry on 400), bounded and
// garbage answers, and partial success warnings.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { decodeTraceRequest, normalizeProtoRequest } from '../helpers/otlp-proto.mjs';

const require = createRequire(import.meta.url);
const { OtlpTraceExporter: OtlpHttpExporter } = require('../../dist/exporters/otlp-trace-exporter.js');
const { parseRetryAfterMs, MAX_RESPONSE_BODY_BYTES } = require('../../dist/exporters/http-transport.js');
const { encodeTraceRequestProto } = require('../../dist/exporters/otlp-proto-encoder.js');
const { resetLogOnce, setLogLevel } = require('../../dist/log.js');
const { version } = require('../../package.json');

const SUCCESS = 0;
const FAILED = 1;
const TINY_BACKOFF = { initialBackoffMs: 1, maxBackoffMs: 2, backoffMultiplier: 2, maxAttempts: 5 };

function makeSpan(name, spanId) {
  const context = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId, traceFlags: 1 };
  return {
    name,
    kind: 1,
    spanContext: () => context,
    parentSpanId: undefined,
    parentIsRemote: false,
    startTimeUnixMs: 1700000000123.456,
    endTimeUnixMs: 1700000000125.5,
    attributes: { 'http.route': '/users/:id' },
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 },
    resource: { attributes: { 'service.name': 'svc' }, droppedAttributesCount: 0 },
    scope: { name: 'test', version: '1.0.0' },
  };
}
const SPANS = [makeSpan('GET /users/:id', 'b7ad6b7169203331'), makeSpan('SELECT users', '00f067aa0ba902b7')];

/** A server answering scripted responses in order (then 200 empty); records every request. */
async function startServer(script = []) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      const next = script.shift() ?? { status: 200 };
      res.writeHead(next.status, next.headers ?? {});
      res.end(next.body ?? '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/v1/traces`;
  return { server, url, requests, close: () => { server.closeAllConnections(); server.close(); } };
}

/**
 * The exporter's sockets and timers are unref'd by design (it must never hold the app open), so
 * once the test's server is closed nothing would keep this test's event loop alive while it
 * awaits an export. This ref'd interval stands in for the app.
 */
async function exportAlive(exporter, spans) {
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    return await exporter.export(spans);
  } finally {
    clearInterval(keepAlive);
  }
}

function otlpConfig(endpoint, overrides = {}) {
  return { endpoint, protocol: 'http/protobuf', headers: {}, timeoutMs: 5000, compression: 'none', ...overrides };
}

// Our logger writes to process.stderr; capture its lines to assert on warnings.
let stderrLines;
let originalWrite;
beforeEach(() => {
  resetLogOnce();
  setLogLevel('warn');
  stderrLines = [];
  originalWrite = process.stderr.write;
  process.stderr.write = (chunk, ...rest) => {
    stderrLines.push(String(chunk));
    return true;
  };
});
afterEach(() => {
  process.stderr.write = originalWrite;
});
const warnings = (code) => stderrLines.filter((l) => l.includes(code));

test('http/protobuf: POSTs the encoded batch with content type, user agent and user headers', async () => {
  const srv = await startServer();
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url, { headers: { 'x-api-key': 'secret', tenant: 'a' } }));
  const result = await exportAlive(exporter, SPANS);
  await exporter.shutdown();
  srv.close();

  assert.equal(result.code, SUCCESS);
  assert.equal(srv.requests.length, 1);
  const [req] = srv.requests;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v1/traces');
  assert.equal(req.headers['content-type'], 'application/x-protobuf');
  assert.equal(req.headers['user-agent'], `otel-instrument/${version}`);
  assert.equal(req.headers['x-api-key'], 'secret');
  assert.equal(req.headers.tenant, 'a');
  assert.equal(req.headers['content-encoding'], undefined);
  // Decoded by protobufjs with the official protos, not by our code.
  const names = normalizeProtoRequest(decodeTraceRequest(req.body)).map((s) => s.name);
  assert.deepEqual(names, ['GET /users/:id', 'SELECT users']);
});

test('http/json: content type application/json and an OTLP/JSON body', async () => {
  const srv = await startServer();
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url, { protocol: 'http/json' }));
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, SUCCESS);
  assert.equal(srv.requests[0].headers['content-type'], 'application/json');
  const body = JSON.parse(srv.requests[0].body.toString('utf8'));
  const names = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
  assert.deepEqual(names, ['GET /users/:id', 'SELECT users']);
});

test('http/protobuf prepares spans ahead (the prepared ones export as the spans would); http/json does not', async () => {
  const srv = await startServer();
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url));
  assert.equal(typeof exporter.prepare, 'function');
  const result = await exportAlive(exporter, [exporter.prepare(SPANS[0]).detachFirst(1), SPANS[1]]);
  await exporter.shutdown();
  srv.close();
  assert.equal(result.code, SUCCESS);
  assert.deepEqual(normalizeProtoRequest(decodeTraceRequest(srv.requests[0].body)), normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto(SPANS))));
  assert.equal(new OtlpHttpExporter(otlpConfig(srv.url, { protocol: 'http/json' })).prepare, undefined);
});

test('OTEL_EXPORTER_OTLP_COMPRESSION=gzip: gzip body with Content-Encoding', async () => {
  const srv = await startServer();
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url, { compression: 'gzip' }));
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, SUCCESS);
  const [req] = srv.requests;
  assert.equal(req.headers['content-encoding'], 'gzip');
  assert.deepEqual(gunzipSync(req.body), Buffer.from(encodeTraceRequestProto(SPANS)));
});

test('503 then 200: retried once, SUCCESS after 2 requests', async () => {
  const srv = await startServer([{ status: 503 }]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url), { retryPolicy: TINY_BACKOFF });
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, SUCCESS);
  assert.equal(srv.requests.length, 2);
  assert.deepEqual(srv.requests[1].body, srv.requests[0].body);
});

test('502, 504 and 429 are all retried', async () => {
  const srv = await startServer([{ status: 502 }, { status: 504 }, { status: 429 }]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url), { retryPolicy: TINY_BACKOFF });
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, SUCCESS);
  assert.equal(srv.requests.length, 4);
});

test('429 with Retry-After: 0 is retried at once, replacing our own backoff', async () => {
  // Our own backoff would wait up to 1e9 ms, far past the 5 s timeout, so without honouring
  // Retry-After the exporter would give up after one request.
  const hugeBackoff = { initialBackoffMs: 1e9, maxBackoffMs: 1e9, backoffMultiplier: 2, maxAttempts: 5 };
  const srv = await startServer([{ status: 429, headers: { 'retry-after': '0' } }]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url), { retryPolicy: hugeBackoff });
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, SUCCESS);
  assert.equal(srv.requests.length, 2);
});

test('a Retry-After beyond the export timeout gives up instead of waiting', async () => {
  const srv = await startServer([{ status: 503, headers: { 'retry-after': '3600' } }]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url, { timeoutMs: 5000 }), { retryPolicy: TINY_BACKOFF });
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, FAILED);
  assert.equal(srv.requests.length, 1);
  assert.equal(warnings('OTELI_W_EXPORT_FAILED').length, 1);
});

test('parseRetryAfterMs: delay-seconds, HTTP-date, garbage', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(parseRetryAfterMs('3', now), 3000);
  assert.equal(parseRetryAfterMs(' 0 ', now), 0);
  assert.equal(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:02 GMT', now), 2000);
  assert.equal(parseRetryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
  assert.equal(parseRetryAfterMs('soon', now), undefined);
  assert.equal(parseRetryAfterMs('-5', now), undefined);
  assert.equal(parseRetryAfterMs(undefined, now), undefined);
});

test('400 is not retried and warns once with the status and a body snippet', async () => {
  const srv = await startServer([
    { status: 400, body: 'invalid trace id\n' },
    { status: 400, body: 'invalid trace id\n' },
  ]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url), { retryPolicy: TINY_BACKOFF });
  const first = await exportAlive(exporter, SPANS);
  assert.equal(srv.requests.length, 1);
  const second = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(first.code, FAILED);
  assert.equal(second.code, FAILED);
  assert.equal(srv.requests.length, 2);
  const rejected = warnings('OTELI_W_EXPORT_REJECTED');
  assert.equal(rejected.length, 1);
  assert.match(rejected[0], /HTTP 400/);
  assert.match(rejected[0], /invalid trace id/);
});

test('500 (not in the retryable list) is not retried', async () => {
  const srv = await startServer([{ status: 500 }]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url), { retryPolicy: TINY_BACKOFF });
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, FAILED);
  assert.equal(srv.requests.length, 1);
});

test('connection refused: retried, then FAILED once the timeout would be exceeded', async () => {
  const srv = await startServer();
  const closedUrl = srv.url;
  srv.close();
  await once(srv.server, 'close');
  const exporter = new OtlpHttpExporter(otlpConfig(closedUrl, { timeoutMs: 300 }), { retryPolicy: TINY_BACKOFF });
  const result = await exportAlive(exporter, SPANS);
  assert.equal(result.code, FAILED);
  assert.match(result.error.message, /ECONNREFUSED after \d+ attempt/);
  assert.equal(warnings('OTELI_W_EXPORT_FAILED').length, 1);
});

test('a server that never answers: FAILED with a timeout, not a hang', async () => {
  const sockets = [];
  const server = createServer(() => {}); // accepts the request, never responds
  server.on('connection', (s) => sockets.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/v1/traces`;
  const exporter = new OtlpHttpExporter(otlpConfig(url, { timeoutMs: 200 }), { retryPolicy: TINY_BACKOFF });
  const result = await exportAlive(exporter, SPANS);
  server.closeAllConnections();
  server.close();
  assert.equal(result.code, FAILED);
  assert.match(result.error.message, /ETIMEDOUT/);
});

test('isHandedOff: true once the body is on the socket while the answer is pending, false when refused', async () => {
  let gotBody;
  const bodyArrived = new Promise((resolve) => (gotBody = resolve));
  const server = createServer((req) => req.resume().on('end', gotBody)); // reads it all, never answers
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/v1/traces`;
  const exporter = new OtlpHttpExporter(otlpConfig(url, { timeoutMs: 60_000 }), { retryPolicy: TINY_BACKOFF });
  const batch = SPANS.slice();
  assert.equal(exporter.isHandedOff(batch), false, 'not before export');
  void exporter.export(batch);
  await bodyArrived;
  assert.equal(exporter.isHandedOff(batch), true, 'the collector has it: the exit path must not resend it');
  server.closeAllConnections();
  server.close();

  const refused = new OtlpHttpExporter(otlpConfig(url, { timeoutMs: 100 }), { retryPolicy: TINY_BACKOFF });
  const other = SPANS.slice();
  await exportAlive(refused, other);
  assert.equal(refused.isHandedOff(other), false);
});

test('garbage and huge answer bodies are survived', async () => {
  const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]); // field 1, absurd length
  const huge = Buffer.alloc(5 * 1024 * 1024, 0x41);
  const srv = await startServer([
    { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: garbage },
    { status: 200, headers: { 'content-type': 'application/json' }, body: '{"partialSuccess": [' },
    { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: huge },
    { status: 400, body: huge },
  ]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url), { retryPolicy: TINY_BACKOFF });
  const results = [];
  for (let i = 0; i < 4; i++) results.push((await exportAlive(exporter, SPANS)).code);
  srv.close();
  assert.deepEqual(results, [SUCCESS, SUCCESS, SUCCESS, FAILED]);
  assert.equal(warnings('OTELI_W_EXPORT_PARTIAL').length, 0);
  const [rejected] = warnings('OTELI_W_EXPORT_REJECTED');
  assert.ok(rejected.length < 1000, 'the body snippet is bounded');
  assert.ok(MAX_RESPONSE_BODY_BYTES <= 64 * 1024);
});

/** ExportTraceServiceResponse { partial_success { rejected_spans, error_message } } by hand. */
function partialSuccessProto(rejected, message) {
  const msg = Buffer.from(message, 'utf8');
  const inner = Buffer.concat([Buffer.from([0x08, rejected]), Buffer.from([0x12, msg.length]), msg]);
  return Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
}

test('partial success (protobuf answer) warns once with the rejected count and message', async () => {
  const body = partialSuccessProto(5, 'spans too old');
  const srv = await startServer([
    { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body },
    { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body },
  ]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url));
  assert.equal((await exportAlive(exporter, SPANS)).code, SUCCESS);
  assert.equal((await exportAlive(exporter, SPANS)).code, SUCCESS);
  srv.close();
  const partial = warnings('OTELI_W_EXPORT_PARTIAL');
  assert.equal(partial.length, 1);
  assert.match(partial[0], /rejected 5 span\(s\): spans too old/);
});

test('partial success (JSON answer) warns; an empty partialSuccess does not', async () => {
  const srv = await startServer([
    { status: 200, headers: { 'content-type': 'application/json' }, body: '{"partialSuccess":{}}' },
    { status: 200, headers: { 'content-type': 'application/json' }, body: '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"quota"}}' },
  ]);
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url, { protocol: 'http/json' }));
  await exportAlive(exporter, SPANS);
  assert.equal(warnings('OTELI_W_EXPORT_PARTIAL').length, 0);
  await exportAlive(exporter, SPANS);
  srv.close();
  const partial = warnings('OTELI_W_EXPORT_PARTIAL');
  assert.equal(partial.length, 1);
  assert.match(partial[0], /rejected 3 span\(s\): quota/);
});

test('requests are sent with tracing suppressed in the active context', async () => {
  const api = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { isTracingSuppressed } = require('../../dist/sdk/suppress-tracing.js');
  // Plain http: is written on a socket of the exporter's own (src/exporters/http1-connection.ts):
  // each request's head is one write, seen here with the context it was made in.
  const { Socket } = require('node:net');
  const manager = new AsyncLocalStorageContextManager().enable();
  api.context.setGlobalContextManager(manager);
  const originalWrite = Socket.prototype.write;
  const seen = [];
  Socket.prototype.write = function (data, ...rest) {
    if (typeof data === 'string' && data.startsWith('POST ')) seen.push(isTracingSuppressed(api.context.active()));
    return originalWrite.call(this, data, ...rest);
  };
  try {
    const srv = await startServer([{ status: 503 }]);
    const exporter = new OtlpHttpExporter(otlpConfig(srv.url), { retryPolicy: TINY_BACKOFF });
    await exportAlive(exporter, SPANS);
    srv.close();
  } finally {
    Socket.prototype.write = originalWrite;
    api.context.disable();
  }
  assert.deepEqual(seen, [true, true], 'the first attempt and the retry are both suppressed');
});

test('after shutdown, export resolves FAILED without a request', async () => {
  const srv = await startServer();
  const exporter = new OtlpHttpExporter(otlpConfig(srv.url));
  await exporter.shutdown();
  const result = await exportAlive(exporter, SPANS);
  srv.close();
  assert.equal(result.code, FAILED);
  assert.equal(srv.requests.length, 0);
});

test('OTEL_EXPORTER_OTLP_CERTIFICATE unreadable: one warning, the exporter still works', () => {
  const exporter = new OtlpHttpExporter(
    otlpConfig('https://127.0.0.1:4318/v1/traces', { certificateFile: '/nonexistent/ca.pem' }),
  );
  assert.ok(exporter);
  const tls = warnings('OTELI_W_OTLP_TLS_FILE');
  assert.equal(tls.length, 1);
  assert.match(tls[0], /\/nonexistent\/ca\.pem/);
});

test('an endpoint that is not a URL: FAILED, never thrown', async () => {
  const exporter = new OtlpHttpExporter(otlpConfig('not a url'));
  const result = await exportAlive(exporter, SPANS);
  assert.equal(result.code, FAILED);
  assert.equal(warnings('OTELI_W_OTLP_ENDPOINT').length, 1);
});

test('a kept-alive socket the collector closed meanwhile is retried at once on a new one, even on the way out', async () => {
  // The keep-alive race, made certain: the first request on a connection is answered with
  // keep-alive; the second on the same connection meets a closed socket.
  const requestsOnSocket = new WeakMap();
  const answered = [];
  const server = createServer((req, res) => {
    const seen = (requestsOnSocket.get(req.socket) ?? 0) + 1;
    requestsOnSocket.set(req.socket, seen);
    if (seen > 1) {
      req.socket.destroy();
      return;
    }
    req.resume().on('end', () => {
      answered.push(req.url);
      res.writeHead(200, { connection: 'keep-alive' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const exporter = new OtlpHttpExporter(otlpConfig(`http://127.0.0.1:${server.address().port}/v1/traces`), { retryPolicy: { ...TINY_BACKOFF, initialBackoffMs: 60_000, maxBackoffMs: 60_000 } });
    assert.equal((await exportAlive(exporter, SPANS)).code, SUCCESS);
    // The exit path: connection failures are final from here on, a stale socket is not one.
    exporter.prepareForExit();
    const second = await exportAlive(exporter, SPANS);
    assert.equal(second.code, SUCCESS, second.error?.message);
    assert.equal(answered.length, 2);
    assert.deepEqual(warnings('OTELI_W_EXPORT_FAILED'), []);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
