// undici's request() and fetch() from the npm package and Node's global fetch in one process,
// and a fetch inside the app's own active span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, receiverEnv } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { fixture, setUp, spansOfRun } from '../fixtures/fetch/harness.mjs';


test('undici request(), undici fetch() and global fetch in one process: one span each', async (t) => {
  const { receiver, target } = await setUp(t);
  const run = await runCli(['node', fixture('three-clients.mjs')], { env: receiverEnv(receiver, { TARGET_URL: target.url }) });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), '[200,200,200]');

  const spans = await spansOfRun(receiver, 3);
  // GET (CLIENT)   undici request()
  // GET (CLIENT)   undici fetch()
  // GET (CLIENT)   global fetch
  assert.equal(drawTree(spans), 'GET (CLIENT)\nGET (CLIENT)\nGET (CLIENT)');
  const urls = spans.map((s) => s.attributes['url.full']).sort();
  assert.deepEqual(urls, [
    `${target.url}/status/200?client=global-fetch`,
    `${target.url}/status/200?client=undici-fetch`,
    `${target.url}/status/200?client=undici-request`,
  ]);
  for (const span of spans) {
    assert.equal(span.parentSpanId, '');
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.deepEqual(span.status, { code: 'UNSET', message: '' });
  }
  // Three traces, and each request carried exactly its own span's traceparent.
  assert.equal(new Set(spans.map((s) => s.traceId)).size, 3);
  assert.equal(target.received.length, 3);
  for (const req of target.received) {
    const span = spans.find((s) => s.attributes['url.full'] === `${target.url}${req.url}`);
    assert.equal(req.headers.traceparent, `00-${span.traceId}-${span.spanId}-01`, req.url);
  }
});

test("a fetch inside the app's startActiveSpan nests under it", async (t) => {
  const { receiver, target } = await setUp(t);
  const run = await runCli(['node', fixture('manual-parent.mjs')], { env: receiverEnv(receiver, { TARGET_URL: target.url }) });
  assert.equal(run.code, 0, run.stderr);
  const app = JSON.parse(run.stdout);

  const spans = await spansOfRun(receiver, 2);
  // checkout (INTERNAL)
  // └─ GET (CLIENT)
  assert.equal(drawTree(spans), 'checkout (INTERNAL)\n└─ GET (CLIENT)');
  const checkout = spans.find((s) => s.name === 'checkout');
  const client = spans.find((s) => s.kind === 'CLIENT');
  assert.equal(checkout.spanId, app.spanId);
  assert.equal(client.traceId, app.traceId);
  assert.equal(client.parentSpanId, app.spanId);
  assert.equal(target.received[0].headers.traceparent, `00-${client.traceId}-${client.spanId}-01`);
});
