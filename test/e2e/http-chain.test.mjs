// Three processes, each under the CLI, one trace: gateway → auth and gateway → orders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { receiverEnv, spawnCli } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { fixture, send, uniqueSpans, assertNoExporterSpans, serverSpan, clientSpan, assertChild } from '../fixtures/http/harness.mjs';

async function startService(receiver, name, file, env = {}) {
  const child = spawnCli(['node', fixture(file)], { env: receiverEnv(receiver, { OTEL_SERVICE_NAME: name, ...env }) });
  const [, port] = await child.waitForOutput(/listening (\d+)/);
  return { child, port: Number(port) };
}

test('gateway → auth and gateway → orders: one trace across three instrumented processes', async () => {
  const receiver = await startReceiver();
  try {
    const auth = await startService(receiver, 'auth', 'chain-auth.cjs');
    const orders = await startService(receiver, 'orders', 'chain-orders.mjs');
    const gateway = await startService(receiver, 'gateway', 'chain-gateway.mjs', {
      AUTH_URL: `http://127.0.0.1:${auth.port}`,
      ORDERS_URL: `http://127.0.0.1:${orders.port}`,
    });
    const response = await send(gateway.port, '/api/orders');
    assert.deepEqual(JSON.parse(response.body), { auth: { ok: true }, order: { created: { item: 'book' } } });
    for (const { child } of [auth, orders, gateway]) assert.equal((await child.result).code, 0);
    await receiver.waitForSpans((s) => uniqueSpans(s).length >= 5);
    const spans = uniqueSpans(receiver.spans);
    assertNoExporterSpans(spans, receiver);
    assert.equal(spans.length, 5);

    // GET (SERVER /api/orders, gateway)
    //  ├─ GET (CLIENT …/verify, gateway)
    //  │  └─ GET (SERVER /verify, auth)
    //  └─ POST (CLIENT …/orders, gateway)
    //     └─ POST (SERVER /orders, orders)
    assert.equal(
      drawTree(spans),
      'GET (SERVER)\n├─ GET (CLIENT)\n│  └─ GET (SERVER)\n└─ POST (CLIENT)\n   └─ POST (SERVER)',
    );
    const service = (s) => s.resource.attributes['service.name'];
    const root = serverSpan(spans, '/api/orders');
    const verifyClient = clientSpan(spans, '/verify');
    const verifyServer = serverSpan(spans, '/verify');
    const ordersClient = clientSpan(spans, '/orders');
    const ordersServer = serverSpan(spans, '/orders');
    assert.equal(root.parentSpanId, '');
    assertChild(verifyClient, root);
    assertChild(verifyServer, verifyClient);
    assertChild(ordersClient, root);
    assertChild(ordersServer, ordersClient);
    assert.deepEqual([root, verifyClient, ordersClient].map(service), ['gateway', 'gateway', 'gateway']);
    assert.equal(service(verifyServer), 'auth');
    assert.equal(service(ordersServer), 'orders');
    assert.equal(ordersClient.name, 'POST');
    assert.equal(ordersClient.attributes['url.full'], `http://127.0.0.1:${orders.port}/orders`);
    assert.equal(ordersClient.attributes['http.response.status_code'], 201);
    assert.equal(ordersServer.attributes['http.request.method'], 'POST');
    assert.equal(ordersServer.attributes['http.response.status_code'], 201);
    assert.equal(verifyServer.attributes['server.port'], auth.port);
  } finally {
    await receiver.close();
  }
});
