// node:http traced however the app loads it: require('http'), require('node:http'), a default,
// named or namespace import, process.getBuiltinModule, and require + import in one process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawTree } from '../helpers/trace-tree.mjs';
import { runFixture, serverSpan, clientSpan, assertChild } from '../fixtures/http/harness.mjs';

const scope = { name: 'otel-instrument/http' };

function assertScenario(spans) {
  // GET (CLIENT /outer?x=1)            request() from the app, no parent
  //  └─ GET (SERVER /outer)
  //     └─ GET (CLIENT /inner)         get() inside the handler
  //        └─ GET (SERVER /inner)
  assert.equal(drawTree(spans), 'GET (CLIENT)\n└─ GET (SERVER)\n   └─ GET (CLIENT)\n      └─ GET (SERVER)');
  const outerServer = serverSpan(spans, '/outer');
  const port = outerServer.attributes['server.port'];
  const outerClient = clientSpan(spans, '/outer');
  const innerClient = clientSpan(spans, '/inner');
  const innerServer = serverSpan(spans, '/inner');

  assert.equal(outerClient.parentSpanId, '');
  assertChild(outerServer, outerClient);
  assertChild(innerClient, outerServer);
  assertChild(innerServer, innerClient);

  assert.deepEqual(outerClient.attributes, {
    'http.request.method': 'GET',
    'url.full': `http://127.0.0.1:${port}/outer?x=1`,
    'server.address': '127.0.0.1',
    'server.port': port,
    'http.response.status_code': 200,
    'network.protocol.version': '1.1',
  });
  assert.deepEqual(innerClient.attributes, {
    'http.request.method': 'GET',
    'url.full': `http://127.0.0.1:${port}/inner`,
    'server.address': '127.0.0.1',
    'server.port': port,
    'http.response.status_code': 200,
    'network.protocol.version': '1.1',
  });
  const peerPort = outerServer.attributes['network.peer.port'];
  assert.equal(typeof peerPort, 'number');
  assert.deepEqual(outerServer.attributes, {
    'http.request.method': 'GET',
    'url.path': '/outer',
    'url.query': 'x=1',
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'server.port': port,
    'client.address': '127.0.0.1',
    'network.peer.address': '127.0.0.1',
    'network.peer.port': peerPort,
    'network.protocol.version': '1.1',
    'http.response.status_code': 200,
  });
  assert.equal(innerServer.attributes['url.path'], '/inner');
  assert.equal(innerServer.attributes['url.query'], undefined, 'url.query only when present');
  for (const s of spans) {
    assert.deepEqual(s.status, { code: 'UNSET', message: '' });
    assert.equal(s.scope.name, scope.name);
    assert.ok(s.endTimeUnixNano >= s.startTimeUnixNano);
  }
  // The handler awaits the inner call, so the outer SERVER span outlives its child CLIENT span.
  assert.ok(outerServer.endTimeUnixNano >= innerClient.endTimeUnixNano);
}

for (const name of [
  'cjs-require.cjs',
  'cjs-require-node.cjs',
  'esm-default.mjs',
  'esm-named.mjs',
  'esm-namespace.mjs',
  'esm-builtin-module.mjs',
]) {
  test(`server and client spans with ${name}`, async () => {
    const { result, spans } = await runFixture(name, { expectSpans: 4 });
    assert.equal(result.stdout, 'body=outer+inner\n', 'the app works as without us');
    assert.equal(spans.length, 4);
    assertScenario(spans);
  });
}

test('http loaded by require and by import in one process: one SERVER span per request', async () => {
  const { spans } = await runFixture('dual-load.mjs', { expectSpans: 4 });
  // GET (CLIENT /one) └─ GET (SERVER /one)
  // GET (CLIENT /two) └─ GET (SERVER /two)
  assert.equal(spans.length, 4);
  for (const path of ['/one', '/two']) {
    assertChild(serverSpan(spans, path), clientSpan(spans, path));
  }
});
