// Huge input through the real CLI (#22): a ~1 MB URL (server, http.request, fetch), 10,000
// captured request headers, 10 MB SQL texts against a real PostgreSQL. The app is served as
// without the agent, and every attribute stays within the caps of src/kit/limits.ts, or within
// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT when the user sets one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { FIXTURES, receiverEnv, runCli } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { postgresEnv, stopPostgres } from '../helpers/postgres.mjs';

const fixture = (name) => join(FIXTURES, 'huge-input', name);
const URL_CAP = 8192;
const QUERY_TEXT_CAP = 10000;

async function runHuge(name, env, expectSpans) {
  const receiver = await startReceiver();
  try {
    const run = await runCli(['node', fixture(name)], { env: receiverEnv(receiver, { OTEL_METRICS_EXPORTER: 'none', ...env }) });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const results = JSON.parse(/^results (.*)$/m.exec(run.stdout)?.[1] ?? 'null');
    await receiver.waitForSpans(expectSpans);
    return { run, results, spans: receiver.spans };
  } finally {
    await receiver.close();
  }
}

/** Every string attribute of every span, and every element of a string array, within `cap`. */
function assertAllWithin(spans, cap) {
  for (const span of spans) {
    for (const [key, value] of Object.entries(span.attributes)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string') assert.ok(v.length <= cap, `${span.name} ${key} is ${v.length} long`);
      }
    }
  }
}

test('a ~1 MB URL is served; url.path / url.query / url.full (and the old http.target / http.url) are cut to 8192, still redacted', async () => {
  const { results, spans } = await runHuge('huge-http.cjs', { OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup' }, 6);
  // The app got the whole URL and answered: the agent changed nothing on the wire.
  assert.equal(results.httpRequest.status, 200);
  assert.ok(results.httpRequest.urlLength > 1_000_000, `the server received ${results.httpRequest.urlLength} characters`);
  assert.equal(results.fetch.status, 200);
  assert.equal(results.fetch.urlLength, results.httpRequest.urlLength + 1);

  const huge = spans.filter((s) => (s.attributes['url.path'] ?? s.attributes['url.full'] ?? '').includes('/huge/'));
  // GET (CLIENT, http.request)      GET (CLIENT, fetch)
  //  └─ GET (SERVER)                  └─ GET (SERVER)
  assert.equal(drawTree(huge), 'GET (CLIENT)\n└─ GET (SERVER)\nGET (CLIENT)\n└─ GET (SERVER)');
  for (const span of huge) {
    const a = span.attributes;
    assert.equal(span.droppedAttributesCount, 0);
    if (span.kind === 'SERVER') {
      assert.equal(a['url.path'].length, URL_CAP);
      assert.ok(a['url.path'].startsWith('/huge/ppp'));
      // Cut first, then redacted: the redaction never scans the megabyte, and its shorter
      // `REDACTED` leaves the value that much under the cap.
      assert.equal(a['url.query'].length, URL_CAP - ('planted-secret'.length - 'REDACTED'.length));
      assert.ok(a['url.query'].startsWith('sig=REDACTED&q=xxx'), a['url.query'].slice(0, 40));
      assert.equal(a['http.target'].length, URL_CAP);
      assert.ok(a['http.url'].length <= URL_CAP);
      assert.equal(a['http.response.status_code'], 200);
    } else {
      assert.equal(a['url.full'].length, URL_CAP);
      assert.match(a['url.full'], /^http:\/\/127\.0\.0\.1:\d+\/huge\/ppp/);
      assert.equal(a['http.url'].length, URL_CAP);
      assert.equal(a['http.target'].length, URL_CAP);
      assert.equal(a['http.response.status_code'], 200);
    }
  }
  assertAllWithin(spans, URL_CAP);
  assert.doesNotMatch(JSON.stringify(spans.map((s) => s.attributes)), /planted-secret/);
});

test('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT replaces the URL cap, larger or smaller', async () => {
  for (const limit of [20_000, 100]) {
    const { spans } = await runHuge('huge-http.cjs', { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: String(limit) }, 6);
    const server = spans.find((s) => s.kind === 'SERVER' && s.attributes['url.path'].startsWith('/huge/'));
    const client = spans.find((s) => s.kind === 'CLIENT' && s.attributes['url.full'].includes('/huge/'));
    assert.equal(server.attributes['url.path'].length, limit);
    assert.ok(server.attributes['url.query'].length <= limit && server.attributes['url.query'].length > limit - 10);
    assert.equal(client.attributes['url.full'].length, limit);
    assertAllWithin(spans, limit);
  }
});

test('10,000 request headers, all named in OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*: 32 captured, one warning, and the response attributes still fit', async () => {
  const names = Array.from({ length: 10_000 }, (_, i) => `x-h-${i}`).join(',');
  const { results, spans, run } = await runHuge(
    'huge-http.cjs',
    { OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: names, OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST: names },
    6,
  );
  assert.equal(results.headers.status, 200);
  assert.equal(results.headers.headerCount, 10_003, 'the server got every header (and host, connection, traceparent)');
  assert.equal(run.stderr.match(/OTELI_W_HEADER_CAPTURE_LIMIT/g)?.length, 1, run.stderr);
  for (const kind of ['SERVER', 'CLIENT']) {
    const span = spans.find((s) => s.kind === kind && (s.attributes['url.path'] === '/headers' || s.attributes['url.full']?.endsWith('/headers')));
    const captured = Object.keys(span.attributes).filter((k) => k.startsWith('http.request.header.'));
    assert.equal(captured.length, 32, kind);
    assert.deepEqual(span.attributes['http.request.header.x-h-0'], ['value-0']);
    // Without the cap the headers took all 128 slots of the attribute count limit first, and the
    // status code, set when the response came, was dropped.
    assert.equal(span.attributes['http.response.status_code'], 200, kind);
    assert.equal(span.droppedAttributesCount, 0, kind);
    // Looking up 10,000 names in 10,000 headers took ~2 s on the request path.
    const durationMs = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
    assert.ok(durationMs < 1000, `${kind} took ${durationMs.toFixed(0)} ms`);
  }
});

const pgEnv = await postgresEnv();
after(stopPostgres);

test('10 MB SQL texts run against PostgreSQL; db.query.text is cut to 10000, the summary and span name stay sane, no literal leaks', async () => {
  const { results, spans } = await runHuge('huge-pg.cjs', pgEnv, 7);
  assert.deepEqual(results, { comment: 1, literal: 'planted-secret '.length + 10 * 1024 * 1024, inListLength: results.inListLength, inList: 1 });
  assert.ok(results.inListLength > 1_000_000);
  const names = spans.filter((s) => s.kind === 'CLIENT').map((s) => s.name.replace(/oteli_huge_\d+/, 'T'));
  assert.deepEqual(names, ['pg.connect', 'CREATE TABLE T', 'SELECT', 'INSERT T', 'SELECT T', 'SELECT T', 'DROP TABLE T']);
  // The comment, cut open at the 64 KiB the sanitiser reads, is removed like a closed one.
  assert.equal(spans.find((s) => s.name === 'SELECT').attributes['db.query.text'], 'SELECT ? AS one');
  const insert = spans.find((s) => s.name.startsWith('INSERT')).attributes;
  assert.match(insert['db.query.text'], /^INSERT INTO oteli_huge_\d+ \(id, body\) VALUES \(\?, \?$/);
  assert.equal(insert['db.operation.name'], 'INSERT');
  assert.match(insert['db.collection.name'], /^oteli_huge_\d+$/);
  const inList = spans.find((s) => s.attributes['db.query.text']?.includes(' IN (')).attributes;
  assert.equal(inList['db.query.text'].length, QUERY_TEXT_CAP);
  assert.match(inList['db.query.text'], /^SELECT count\(\*\)::int AS n FROM oteli_huge_\d+ WHERE id IN \(\?, \?, \?/);
  assert.match(inList['db.query.summary'], /^SELECT oteli_huge_\d+$/);
  assertAllWithin(spans, QUERY_TEXT_CAP);
  assert.doesNotMatch(JSON.stringify(spans.map((s) => s.attributes)), /planted-secret/);
});

test('OTEL_INSTRUMENTATION_PG_QUERY_TEXT=raw: the 10 MB texts are recorded as sent, cut to 10000', async () => {
  const { spans } = await runHuge('huge-pg.cjs', { ...pgEnv, OTEL_INSTRUMENTATION_PG_QUERY_TEXT: 'raw' }, 7);
  const comment = spans.find((s) => s.name === 'SELECT').attributes['db.query.text'];
  assert.equal(comment.length, QUERY_TEXT_CAP);
  assert.ok(comment.startsWith('SELECT 1 AS one /* planted-secret ccc'));
  const insert = spans.find((s) => s.name.startsWith('INSERT')).attributes['db.query.text'];
  assert.equal(insert.length, QUERY_TEXT_CAP);
  assertAllWithin(spans, QUERY_TEXT_CAP);
});
