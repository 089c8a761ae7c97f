// OTEL_SEMCONV_STABILITY_OPT_IN and OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS on node:http SERVER
// and CLIENT spans, through the real CLI on the server.cjs fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { drawTree } from '../helpers/trace-tree.mjs';
import { startServerFixture, send, serverSpan, clientSpan, assertChild } from '../fixtures/http/harness.mjs';

const require = createRequire(import.meta.url);
const semconv = require('../../dist/instrumentations/http-shared/semconv.js');
/** Every attribute name of the old (pre-1.20) HTTP conventions the agent knows. */
const OLD_HTTP_ATTRIBUTES = Object.keys(semconv).filter((k) => k.startsWith('OLD_ATTR_')).map((k) => semconv[k]);

/** A POST /outbound with a body, a user agent and a proxy's X-Forwarded-For. */
async function sendOutbound(port) {
  const response = await send(port, '/outbound?sig=secret&x=1', {
    method: 'POST',
    headers: { 'user-agent': 'e2e-agent/1.0', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' },
    body: 'hello',
  });
  assert.equal(response.status, 200);
  return JSON.parse(response.body);
}

test('OTEL_SEMCONV_STABILITY_OPT_IN=http/dup: SERVER and CLIENT spans carry the stable and the old attributes', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '2', OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup' } });
  const { inner } = await sendOutbound(app.port);
  const spans = await app.finish(3);
  const { port } = app;

  // POST (SERVER /outbound)          span names stay stable-style
  //  └─ GET (CLIENT /echo)
  //     └─ GET (SERVER /echo)
  assert.equal(drawTree(spans), 'POST (SERVER)\n└─ GET (CLIENT)\n   └─ GET (SERVER)');
  const server = serverSpan(spans, '/outbound');
  const peerPort = server.attributes['network.peer.port'];
  assert.equal(typeof peerPort, 'number');
  assert.deepEqual(server.attributes, {
    // stable
    'http.request.method': 'POST',
    'url.path': '/outbound',
    'url.query': 'sig=REDACTED&x=1',
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'server.port': port,
    'client.address': '203.0.113.7',
    'network.peer.address': '127.0.0.1',
    'network.peer.port': peerPort,
    'network.protocol.version': '1.1',
    'user_agent.original': 'e2e-agent/1.0',
    'http.response.status_code': 200,
    // old
    'http.method': 'POST',
    'http.scheme': 'http',
    'http.target': '/outbound?sig=REDACTED&x=1',
    'http.host': `127.0.0.1:${port}`,
    'http.url': `http://127.0.0.1:${port}/outbound?sig=REDACTED&x=1`,
    'http.user_agent': 'e2e-agent/1.0',
    'http.client_ip': '203.0.113.7',
    'http.flavor': '1.1',
    'http.request_content_length': 5,
    'http.status_code': 200,
    'net.transport': 'ip_tcp',
    'net.host.name': '127.0.0.1',
    'net.host.ip': '127.0.0.1',
    'net.host.port': port,
    'net.peer.ip': '127.0.0.1',
    'net.peer.port': peerPort,
  });

  const client = clientSpan(spans, '/echo');
  assertChild(client, server);
  assert.deepEqual(client.attributes, {
    // stable
    'http.request.method': 'GET',
    'url.full': `http://127.0.0.1:${port}/echo`,
    'server.address': '127.0.0.1',
    'server.port': port,
    'network.protocol.version': '1.1',
    'http.response.status_code': 200,
    // old
    'http.method': 'GET',
    'http.url': `http://127.0.0.1:${port}/echo`,
    'http.target': '/echo',
    'http.host': `127.0.0.1:${port}`,
    'http.flavor': '1.1',
    'http.status_code': 200,
    'http.response_content_length': Buffer.byteLength(inner),
    'net.transport': 'ip_tcp',
    'net.peer.name': '127.0.0.1',
    'net.peer.port': port,
    'net.peer.ip': '127.0.0.1',
  });
  assert.deepEqual(client.status, { code: 'UNSET', message: '' });
});

test('OTEL_SEMCONV_STABILITY_OPT_IN unset: only the stable attributes', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '2' } });
  await sendOutbound(app.port);
  const spans = await app.finish(3);
  assert.equal(spans.length, 3);
  assert.ok(OLD_HTTP_ATTRIBUTES.length >= 18 && OLD_HTTP_ATTRIBUTES.includes('http.method'));
  for (const span of spans) {
    const old = Object.keys(span.attributes).filter((k) => OLD_HTTP_ATTRIBUTES.includes(k));
    assert.deepEqual(old, [], `${span.name} (${span.kind}) has old attributes`);
  }
  const server = serverSpan(spans, '/outbound');
  assert.equal(server.attributes['http.request.method'], 'POST');
  assert.equal(server.attributes['user_agent.original'], 'e2e-agent/1.0');
  assert.equal(Object.keys(server.attributes).length, 12, JSON.stringify(server.attributes));
});

test('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS=GET,PURGE replaces the known methods, server and client', async () => {
  const app = await startServerFixture('server.cjs', { env: { REQUESTS: '6', OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'GET,PURGE' } });
  assert.equal((await send(app.port, '/echo?direct=purge', { method: 'PURGE' })).status, 200);
  assert.equal((await send(app.port, '/echo?direct=post', { method: 'POST' })).status, 200);
  await send(app.port, '/outbound?method=PURGE&path=/purged');
  await send(app.port, '/outbound?method=POST&path=/posted');
  const spans = await app.finish(8);
  assert.equal(spans.length, 8);
  const echoes = spans.filter((s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/echo');
  const direct = (query) => echoes.find((s) => s.attributes['url.query'] === query);

  // PURGE (SERVER /echo)    a configured method keeps its name
  const purge = direct('direct=purge');
  assert.equal(purge.name, 'PURGE');
  assert.equal(purge.attributes['http.request.method'], 'PURGE');
  assert.equal(purge.attributes['http.request.method_original'], undefined);

  // HTTP (SERVER /echo, _OTHER)    POST is no longer known
  const post = direct('direct=post');
  assert.equal(post.name, 'HTTP');
  assert.equal(post.attributes['http.request.method'], '_OTHER');
  assert.equal(post.attributes['http.request.method_original'], 'POST');

  // GET (SERVER /outbound)
  //  └─ PURGE (CLIENT /purged)
  //     └─ PURGE (SERVER /purged)
  const purgeClient = clientSpan(spans, '/purged');
  assert.equal(purgeClient.name, 'PURGE');
  assert.equal(purgeClient.attributes['http.request.method'], 'PURGE');
  assert.equal(purgeClient.attributes['http.request.method_original'], undefined);
  assertChild(serverSpan(spans, '/purged'), purgeClient);
  assert.equal(serverSpan(spans, '/purged').name, 'PURGE');

  // GET (SERVER /outbound)
  //  └─ HTTP (CLIENT POST /posted, _OTHER)
  //     └─ HTTP (SERVER /posted, _OTHER)
  const postClient = clientSpan(spans, '/posted');
  assert.equal(postClient.name, 'HTTP');
  assert.equal(postClient.attributes['http.request.method'], '_OTHER');
  assert.equal(postClient.attributes['http.request.method_original'], 'POST');
  const postedServer = serverSpan(spans, '/posted');
  assertChild(postedServer, postClient);
  assert.equal(postedServer.name, 'HTTP');
  assert.equal(postedServer.attributes['http.request.method_original'], 'POST');

  assert.equal(spans.filter((s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/outbound' && s.name === 'GET').length, 2);
});
