// Incoming requests: traceparent handling, status rules, unknown methods, url redaction,
// OTEL_NODE_HTTP_EXCLUDED_URLS, OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*, manual spans in a
// handler, and a client that goes away before the response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { drawTree } from '../helpers/trace-tree.mjs';
import { FIXTURES, runCli, runNode } from '../helpers/run-cli.mjs';
import { startServerFixture, send, serverSpan, clientSpan, assertChild, find } from '../fixtures/http/harness.mjs';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const OFF_TRACE_ID = '11111111111111111111111111111111';

test('traceparent: valid continues the trace, invalid starts a new one, sampled-off records nothing', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '5' } });
  const off = await send(app.port, '/outbound', { headers: { traceparent: `00-${OFF_TRACE_ID}-${PARENT_ID}-00` } });
  const valid = await send(app.port, '/outbound', {
    headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: 'vendor=v1' },
  });
  await send(app.port, '/echo', { headers: { traceparent: `00-${TRACE_ID}-zzzz-01` } });
  const spans = await app.finish(4);
  assert.equal(spans.length, 4);

  // (remote parent b7ad6b7169203331)
  //  └─ GET (SERVER /outbound)
  //     └─ GET (CLIENT /echo)
  //        └─ GET (SERVER /echo)
  // GET (SERVER /echo)               invalid traceparent: a root of its own
  const outbound = serverSpan(spans, '/outbound');
  const inner = clientSpan(spans, '/echo');
  const echoes = spans.filter((s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/echo');
  const innerServer = find(echoes, (s) => s.parentSpanId === inner.spanId, 'SERVER /echo under the CLIENT span');
  const invalidRoot = find(echoes, (s) => s.parentSpanId === '', 'root SERVER /echo');
  assert.equal(outbound.traceId, TRACE_ID);
  assert.equal(outbound.parentSpanId, PARENT_ID);
  assert.equal(outbound.traceState, 'vendor=v1');
  assertChild(inner, outbound);
  assertChild(innerServer, inner);
  assert.notEqual(invalidRoot.traceId, TRACE_ID);

  // What the inner request carried: our CLIENT span as parent, the tracestate, the app's casing.
  const validBody = JSON.parse(valid.body);
  const echoed = JSON.parse(validBody.inner);
  assert.equal(echoed.traceparent, `00-${TRACE_ID}-${inner.spanId}-01`);
  assert.equal(echoed.tracestate, 'vendor=v1');
  assert.ok(echoed.rawHeaderNames.includes('X-App'), 'the app header keeps its casing');
  assert.deepEqual(validBody.appHeaders, { 'X-App': 'kept' }, "the app's header object is not modified");

  // Sampled off: nothing exported for that trace, yet the decision travels downstream.
  assert.equal(spans.filter((s) => s.traceId === OFF_TRACE_ID).length, 0);
  const offEcho = JSON.parse(JSON.parse(off.body).inner);
  assert.match(offEcho.traceparent, new RegExp(`^00-${OFF_TRACE_ID}-[0-9a-f]{16}-00$`));
});

test('status rules, unknown methods (PURGE) and url redaction', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '9' } });
  assert.equal((await send(app.port, '/echo', { method: 'PURGE' })).status, 200);
  await send(app.port, '/outbound?method=PURGE&path=/purged');
  await send(app.port, `/outbound?auth=1&path=${encodeURIComponent('/secret?sig=abc&X-Amz-Signature=x&keep=1')}`);
  assert.equal((await send(app.port, '/status/404')).status, 404);
  assert.equal((await send(app.port, '/status/503')).status, 503);
  await send(app.port, `/outbound?path=${encodeURIComponent('/status/404')}`);
  const spans = await app.finish(12);
  assert.equal(spans.length, 12);
  const port = app.port;

  // HTTP (SERVER /echo, http.request.method=_OTHER, http.request.method_original=PURGE)
  const purge = serverSpan(spans, '/echo');
  assert.equal(purge.name, 'HTTP');
  assert.equal(purge.attributes['http.request.method'], '_OTHER');
  assert.equal(purge.attributes['http.request.method_original'], 'PURGE');
  assert.deepEqual(purge.status, { code: 'UNSET', message: '' });

  // GET (SERVER /outbound)
  //  └─ HTTP (CLIENT PURGE /purged)
  //     └─ HTTP (SERVER /purged)
  const purgeClient = clientSpan(spans, '/purged');
  assert.equal(purgeClient.name, 'HTTP');
  assert.equal(purgeClient.attributes['http.request.method'], '_OTHER');
  assert.equal(purgeClient.attributes['http.request.method_original'], 'PURGE');
  assertChild(serverSpan(spans, '/purged'), purgeClient);
  assert.equal(serverSpan(spans, '/purged').name, 'HTTP');

  // GET (SERVER /outbound)
  //  └─ GET (CLIENT url.full with credentials and signatures REDACTED)
  //     └─ GET (SERVER /secret, url.query redacted too)
  const secretClient = clientSpan(spans, '/secret');
  assert.equal(
    secretClient.attributes['url.full'],
    `http://REDACTED:REDACTED@127.0.0.1:${port}/secret?sig=REDACTED&X-Amz-Signature=REDACTED&keep=1`,
  );
  const secretServer = serverSpan(spans, '/secret');
  assertChild(secretServer, secretClient);
  assert.equal(secretServer.attributes['url.query'], 'sig=REDACTED&X-Amz-Signature=REDACTED&keep=1');

  // GET (SERVER /status/404)   4xx on a server: status left UNSET, no error.type
  const notFound = find(spans, (s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/status/404' && s.parentSpanId === '', 'root /status/404');
  assert.equal(notFound.attributes['http.response.status_code'], 404);
  assert.equal(notFound.attributes['error.type'], undefined);
  assert.deepEqual(notFound.status, { code: 'UNSET', message: '' });

  // GET (SERVER /status/503)   5xx: ERROR, error.type = the status code
  const unavailable = serverSpan(spans, '/status/503');
  assert.equal(unavailable.attributes['http.response.status_code'], 503);
  assert.equal(unavailable.attributes['error.type'], '503');
  assert.equal(unavailable.status.code, 'ERROR');

  // GET (SERVER /outbound)
  //  └─ GET (CLIENT /status/404)   ≥400 on a client: ERROR, error.type=404
  //     └─ GET (SERVER /status/404)
  const notFoundClient = clientSpan(spans, '/status/404');
  assert.equal(notFoundClient.attributes['http.response.status_code'], 404);
  assert.equal(notFoundClient.attributes['error.type'], '404');
  assert.equal(notFoundClient.status.code, 'ERROR');
});

test('OTEL_NODE_HTTP_EXCLUDED_URLS and OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*', async () => {
  const app = await startServerFixture('server.cjs', {
    env: {
      REQUESTS: '7',
      OTEL_NODE_HTTP_EXCLUDED_URLS: '/health, /skip/*',
      OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: 'X-Req,x-absent',
      OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE: 'x-set-header,x-write-head,set-cookie',
      OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST: 'x-app',
      OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE: 'content-type',
    },
  });
  await send(app.port, '/health');
  await send(app.port, '/skip/deep/path?x=1');
  await send(app.port, `/outbound?path=${encodeURIComponent('/health?probe=1')}`);
  const made = await send(app.port, '/headers', { headers: { 'X-Req': 'a' } });
  assert.equal(made.status, 201);
  assert.deepEqual(made.headers['set-cookie'], ['a=1', 'b=2'], 'response headers as the app wrote them');
  await send(app.port, '/outbound');
  const spans = await app.finish(5);
  // GET (SERVER /outbound)          its client call to /health is excluded, and /health's server side
  // GET (SERVER /headers)
  // GET (SERVER /outbound) └─ GET (CLIENT /echo) └─ GET (SERVER /echo)
  assert.equal(spans.length, 5);
  assert.equal(spans.filter((s) => /^\/(health|skip)/.test(s.attributes['url.path'] ?? '')).length, 0);
  assert.equal(spans.filter((s) => (s.attributes['url.full'] ?? '').includes('/health')).length, 0);

  const headers = serverSpan(spans, '/headers');
  assert.deepEqual(headers.attributes['http.request.header.x-req'], ['a']);
  assert.equal(headers.attributes['http.request.header.x-absent'], undefined);
  assert.deepEqual(headers.attributes['http.response.header.x-set-header'], ['one']);
  assert.deepEqual(headers.attributes['http.response.header.x-write-head'], ['two'], 'writeHead() headers too');
  // A credential header: one element per occurrence still, each value REDACTED (secrets.test.mjs).
  assert.deepEqual(headers.attributes['http.response.header.set-cookie'], ['REDACTED', 'REDACTED']);
  assert.equal(headers.attributes['http.response.status_code'], 201);

  const client = clientSpan(spans, '/echo');
  assert.deepEqual(client.attributes['http.request.header.x-app'], ['kept']);
  assert.deepEqual(client.attributes['http.response.header.content-type'], ['application/json']);
  const outbounds = spans.filter((s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/outbound');
  assert.equal(outbounds.length, 2);
  assert.equal(outbounds.filter((s) => s.spanId === client.parentSpanId).length, 1);
});

test('a manual span in a handler nests under the SERVER span, and a client call under it', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '2' } });
  await send(app.port, '/manual');
  const spans = await app.finish(4);
  // GET (SERVER /manual)
  //  └─ manual-work (INTERNAL, scope fixture-app)
  //     └─ GET (CLIENT /echo)
  //        └─ GET (SERVER /echo)
  assert.equal(drawTree(spans), 'GET (SERVER)\n└─ manual-work (INTERNAL)\n   └─ GET (CLIENT)\n      └─ GET (SERVER)');
  const manual = find(spans, (s) => s.name === 'manual-work', 'manual span');
  assert.equal(manual.scope.name, 'fixture-app');
  assertChild(manual, serverSpan(spans, '/manual'));
  assertChild(clientSpan(spans, '/echo'), manual);
  assertChild(serverSpan(spans, '/echo'), clientSpan(spans, '/echo'));
});

test('a client that disconnects before the response: the SERVER span ends once, with an error', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '1' } });
  const req = http.request({ host: '127.0.0.1', port: app.port, path: '/hang', agent: false });
  req.on('error', () => {});
  req.end();
  await app.child.waitForOutput(/hanging/);
  req.destroy();
  const spans = await app.finish(1);
  // GET (SERVER /hang, ERROR, error.type=ECONNRESET)
  assert.equal(spans.length, 1);
  const hang = serverSpan(spans, '/hang');
  assert.equal(hang.status.code, 'ERROR');
  assert.equal(hang.attributes['error.type'], 'ECONNRESET');
  assert.equal(hang.attributes['http.response.status_code'], undefined);
});

/** Writes one raw HTTP/1.1 request on its own connection; resolves when the server closes it. */
function sendRaw(port, request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let response = '';
    socket.setEncoding('latin1').on('data', (d) => (response += d));
    socket.on('close', () => resolve(response));
    socket.on('error', reject);
  });
}

test('a proxy-style absolute-form target and a Host with a bad port: url.path is the path, no made-up server.port', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '2' } });
  const proxied = await sendRaw(app.port, 'GET http://shop.example:8080/echo?item=1 HTTP/1.1\r\nHost: shop.example:8080\r\nConnection: close\r\n\r\n');
  assert.match(proxied, /^HTTP\/1\.1 200 /);
  const badPort = await sendRaw(app.port, 'GET /echo HTTP/1.1\r\nHost: shop.example:99999\r\nConnection: close\r\n\r\n');
  assert.match(badPort, /^HTTP\/1\.1 200 /);
  const spans = await app.finish(2);
  const [first, second] = ['item=1', undefined].map((query) => find(spans, (s) => s.attributes['url.query'] === query, `SERVER with url.query ${query}`));
  assert.equal(first.attributes['url.path'], '/echo');
  assert.equal(first.attributes['server.address'], 'shop.example');
  assert.equal(first.attributes['server.port'], 8080);
  assert.equal(second.attributes['url.path'], '/echo');
  assert.equal(second.attributes['server.address'], 'shop.example');
  assert.equal('server.port' in second.attributes, false, 'port 99999 is not a port: not reported');
});

test("a body read in req.on('data'/'end') callbacks runs in the SERVER span's context, and so does res 'finish'", async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '2' } });
  // Two chunks in two socket reads: the second arrives in a socket callback of its own.
  const response = new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: app.port, path: '/body', method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.write('first chunk');
    app.child.waitForOutput(/body-data 1/).then(() => req.end('second chunk'), reject);
  });
  const seen = await response;
  const spans = await app.finish(3);
  const { stdout } = await app.child.result;

  // POST (SERVER /body)
  // └─ GET (CLIENT /echo)        made in the req 'end' callback
  //    └─ GET (SERVER /echo)
  const body = serverSpan(spans, '/body');
  assertChild(clientSpan(spans, '/echo'), body);
  assert.deepEqual(seen, { data: [body.spanId, body.spanId], end: body.spanId });
  assert.match(stdout, new RegExp(`^finish-active ${body.spanId}$`, 'm'));
});

test('a traceparent the app passes on in a raw header list is replaced by ours, not sent twice', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '2' } });
  const { inner } = JSON.parse((await send(app.port, '/outbound?stale=1')).body);
  const spans = await app.finish(3);
  // GET (SERVER /outbound)
  // └─ GET (CLIENT /echo)       its traceparent, alone, reached /echo
  //    └─ GET (SERVER /echo)
  const client = clientSpan(spans, '/echo');
  const seen = JSON.parse(inner);
  assert.equal(seen.traceparent, `00-${client.traceId}-${client.spanId}-01`);
  assert.deepEqual(seen.rawHeaderNames.filter((n) => n.toLowerCase() === 'traceparent'), ['traceparent']);
  assertChild(serverSpan(spans, '/echo'), client);
});

test("an idle kept-alive connection times out outside its last request's context, as without the agent", async () => {
  // Node arms the connection's keep-alive timer from the response's 'finish', in the request's
  // context; the agent arms it again outside (src/instrumentations/http/keep-alive-timer.ts),
  // so the timer does not keep the last request's context alive while the connection idles.
  const app = join(FIXTURES, 'http', 'keep-alive-idle.cjs');
  const [bare, ours] = await Promise.all([runNode([app]), runCli(['node', app], { env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' } })]);
  for (const run of [bare, ours]) assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(bare.stdout.trim().split('\n'), ['request none', 'request none', 'idle-timeout none']);
  const lines = ours.stdout.trim().split('\n');
  assert.equal(lines.length, 3, ours.stdout);
  for (const line of lines.slice(0, 2)) assert.match(line, /^request [0-9a-f]{32}$/, 'the requests are traced');
  assert.equal(lines[2], 'idle-timeout none');
});
