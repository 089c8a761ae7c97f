// http.request / http.get / https.request called with every argument shape Node accepts, and
// servers made and answered in unusual ways (test/fixtures/odd-calls/http-odd.cjs): the app sees
// exactly what it sees without the agent (same return values, thrown errors, callbacks and
// event order), and the requests are still traced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentLines, ODD_CALLS, runBothWays, transcript } from '../helpers/odd-calls.mjs';
import { hasOpenssl, makeSelfSignedCertificate } from '../helpers/tls.mjs';

test('http and https called in odd ways: the same transcript bare and traced, and spans for the requests', async (t) => {
  const env = {};
  if (hasOpenssl) {
    const dir = mkdtempSync(join(tmpdir(), 'oteli-odd-http-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { key, cert } = makeSelfSignedCertificate(dir);
    Object.assign(env, { HTTPS_KEY: key, HTTPS_CERT: cert });
  } else {
    t.diagnostic('openssl not found: the https cases are left out');
  }
  const { bare, traced, receiver } = await runBothWays(t, join(ODD_CALLS, 'http-odd.cjs'), { env });
  assert.deepEqual(agentLines(traced.stderr), []);
  const lines = transcript(bare);
  assert.deepEqual(lines.at(-1), ['done']);
  const labels = new Set(lines.map(([label]) => label));
  // The cases the fixes were for: a nullish options argument keeps the callback (http), and an
  // odd-length raw header list is refused with Node's own error.
  assert.ok(labels.has('request(url, null, cb) callback #1'));
  assert.ok(labels.has('get(url, undefined, cb) callback #1'));
  assert.equal(lines.find(([label]) => label === 'odd flat header list threw')[1].code, 'ERR_INVALID_ARG_VALUE');
  if (hasOpenssl) assert.ok(!labels.has('https request(url, null, cb) callback #1'), 'https.request(url, null, cb) drops the callback, in Node itself');

  // Traced all the same: a SERVER span per request the servers' handlers saw, each the child of
  // the CLIENT span of the request that made it; a CLIENT span for a refused connection and for a
  // request Node refused synchronously (a bad header value), both ERROR. (An invalid URL makes no
  // request, and no span.)
  const served = lines.filter(([label]) => ['server request', 'late server request', 'checkContinue'].includes(label)).length;
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'SERVER').length >= served);
  const servers = spans.filter((s) => s.kind === 'SERVER');
  assert.equal(servers.length, served);
  const clientIds = new Set(spans.filter((s) => s.kind === 'CLIENT').map((s) => s.spanId));
  assert.deepEqual(servers.filter((s) => !clientIds.has(s.parentSpanId)), []);
  for (const errorType of ['ECONNREFUSED', 'ERR_INVALID_CHAR']) {
    const span = spans.find((s) => s.kind === 'CLIENT' && s.attributes['error.type'] === errorType);
    assert.equal(span?.status.code, 'ERROR', errorType);
  }
});
