// Client failures keep the app's own errors and behaviour; spans say what happened.
// The exporter's forceFlush() mid-run goes over http too, and must never show up as a span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, clientSpan } from '../fixtures/http/harness.mjs';

test('ECONNREFUSED and a synchronous ERR_INVALID_PROTOCOL: ERROR spans, app errors unchanged', async () => {
  const { result, spans } = await runFixture('client-errors.cjs', { expectSpans: 2 });
  assert.equal(result.stdout, 'error ECONNREFUSED\nthrew ERR_INVALID_PROTOCOL\n');
  // GET (CLIENT /refused, ERROR, error.type=ECONNREFUSED, exception event)
  // GET (CLIENT /wrong-module, ERROR, error.type=ERR_INVALID_PROTOCOL, exception event)
  // …and nothing for the exporter's own POST /v1/traces (runFixture checks that too).
  assert.equal(spans.length, 2);
  const refused = clientSpan(spans, '/refused');
  const port = refused.attributes['server.port'];
  assert.deepEqual(refused.attributes, {
    'http.request.method': 'GET',
    'url.full': `http://127.0.0.1:${port}/refused`,
    'server.address': '127.0.0.1',
    'server.port': port,
    'error.type': 'ECONNREFUSED',
  });
  assert.deepEqual(refused.status, { code: 'ERROR', message: `connect ECONNREFUSED 127.0.0.1:${port}` });
  assert.deepEqual(refused.events.map((e) => e.name), ['exception']);
  assert.match(refused.events[0].attributes['exception.message'], /ECONNREFUSED/);

  const wrong = clientSpan(spans, '/wrong-module');
  assert.equal(wrong.attributes['url.full'], 'https://127.0.0.1/wrong-module');
  assert.equal(wrong.attributes['error.type'], 'ERR_INVALID_PROTOCOL');
  assert.equal(wrong.status.code, 'ERROR');
  assert.deepEqual(wrong.events.map((e) => e.name), ['exception']);
  assert.equal(spans.filter((s) => s.kind === 'CLIENT' && s.attributes['http.request.method'] === 'POST').length, 0);
});
