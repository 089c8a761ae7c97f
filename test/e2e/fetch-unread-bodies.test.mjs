// Responses the app never reads still end their spans: small bodies end at undici's trailers,
// 4 MiB bodies when fetch cancels the body of the garbage-collected Response. Nothing stays open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, receiverEnv } from '../helpers/run-cli.mjs';
import { fixture, setUp, spansOfRun } from '../fixtures/fetch/harness.mjs';

const SMALL_FETCHES = 20;
const SMALL_REQUESTS = 3;
const BIG_FETCHES = 5;
const TOTAL = SMALL_FETCHES + SMALL_REQUESTS + BIG_FETCHES;

test('many responses never read: every span ended and exported, openSpanCount() back to 0', async (t) => {
  const { receiver, target } = await setUp(t);
  const run = await runCli(['node', '--expose-gc', fixture('unread-bodies.mjs')], {
    env: receiverEnv(receiver, { TARGET_URL: target.url }),
  });
  assert.equal(run.code, 0, run.stderr);
  const printed = JSON.parse(run.stdout);
  assert.deepEqual(printed.statuses, Array(TOTAL).fill(200));
  assert.equal(printed.openSpans, 0);

  const spans = await spansOfRun(receiver, TOTAL);
  // GET (CLIENT) × 28, all roots, all ended with the response's status: an unread body is the
  // app's choice, not a failed request.
  assert.equal(spans.length, TOTAL);
  for (const span of spans) {
    assert.equal(span.kind, 'CLIENT');
    assert.equal(span.name, 'GET');
    assert.equal(span.parentSpanId, '');
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.attributes['error.type'], undefined);
    assert.deepEqual(span.status, { code: 'UNSET', message: '' });
    assert.deepEqual(span.events, []);
  }
  const big = spans.filter((s) => s.attributes['url.full'].startsWith(`${target.url}/big`));
  assert.equal(big.length, BIG_FETCHES);
});
