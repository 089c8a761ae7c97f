// https with a self-signed certificate made here; libraries built on http (one CLIENT span per
// request each); 1,000 responses nobody reads, every span still ended and exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drawTree } from '../helpers/trace-tree.mjs';
import { hasOpenssl, makeSelfSignedCertificate } from '../helpers/tls.mjs';
import { runFixture, serverSpan, clientSpan, assertChild } from '../fixtures/http/harness.mjs';

test('https: SERVER and CLIENT spans with url.scheme / url.full https', { skip: !hasOpenssl && 'openssl CLI not found' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-http-tls-'));
  try {
    const { key, cert } = makeSelfSignedCertificate(dir);
    const { result, spans } = await runFixture('https-app.mjs', { env: { TLS_KEY: key, TLS_CERT: cert }, expectSpans: 4 });
    assert.equal(result.stdout, '/a /b?q=1\n');
    assert.equal(spans.length, 4);
    // GET (CLIENT https://localhost:<port>/a)        https.request
    //  └─ GET (SERVER /a, url.scheme=https)
    // GET (CLIENT https://localhost:<port>/b?q=1)    https.get
    //  └─ GET (SERVER /b, url.scheme=https)
    assert.equal(drawTree(spans), 'GET (CLIENT)\n└─ GET (SERVER)\nGET (CLIENT)\n└─ GET (SERVER)');
    const a = serverSpan(spans, '/a');
    const port = a.attributes['server.port'];
    assert.equal(a.attributes['url.scheme'], 'https');
    assert.equal(a.attributes['server.address'], 'localhost');
    assertChild(a, clientSpan(spans, '/a'));
    const b = serverSpan(spans, '/b');
    assert.equal(b.attributes['url.query'], 'q=1');
    assertChild(b, clientSpan(spans, '/b'));
    assert.deepEqual(clientSpan(spans, '/b').attributes, {
      'http.request.method': 'GET',
      'url.full': `https://localhost:${port}/b?q=1`,
      'server.address': 'localhost',
      'server.port': port,
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
    });
    assert.equal(clientSpan(spans, '/a').attributes['url.full'], `https://localhost:${port}/a`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('axios, got, node-fetch, superagent: exactly one CLIENT span per request', async () => {
  const { result, spans } = await runFixture('libraries.mjs', { expectSpans: 8 });
  assert.equal(result.stdout, '/axios /got /node-fetch /superagent\n');
  assert.equal(spans.length, 8);
  // For each library:
  // GET (CLIENT /<library>)
  //  └─ GET (SERVER /<library>)
  for (const library of ['axios', 'got', 'node-fetch', 'superagent']) {
    const client = clientSpan(spans, `/${library}`);
    assert.equal(client.parentSpanId, '', `${library}: the app made the call outside any span`);
    assert.equal(client.name, 'GET');
    assert.equal(client.attributes['http.response.status_code'], 200);
    assertChild(serverSpan(spans, `/${library}`), client);
  }
});

test('1,000 responses never read: every span ends, is exported, and none stays open', async () => {
  const { result, spans } = await runFixture('unread-bodies.cjs', { expectSpans: 2000 });
  assert.equal(result.stdout, 'open=0\n', 'openSpanCount() back to 0, no unexpected errors');
  // 1,000 × GET (CLIENT /r<i>) └─ GET (SERVER /r<i>)
  assert.equal(spans.length, 2000);
  const clients = spans.filter((s) => s.kind === 'CLIENT');
  assert.equal(clients.length, 1000);
  for (const client of clients) {
    assert.equal(client.attributes['http.response.status_code'], 200);
    assert.equal(client.status.code, 'UNSET');
  }
  const servers = new Map(spans.filter((s) => s.kind === 'SERVER').map((s) => [s.parentSpanId, s]));
  for (const client of clients) {
    assert.equal(servers.get(client.spanId)?.attributes['url.path'], new URL(client.attributes['url.full']).pathname);
  }
});
