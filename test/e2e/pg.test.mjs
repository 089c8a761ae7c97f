// pg 8 (lowest supported and latest) against a real PostgreSQL (test/helpers/postgres.mjs says
// which), through the real CLI: every query form, connect spans, sanitised text, summaries,
// errors, a busy pool keeping each request's trace, a web request's tree, ESM, and pg 7.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { receiverEnv, runCli, spawnCli } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { appIn, PG_VERSIONS, variantVersion } from '../helpers/frameworks.mjs';
import { postgresEnv, stopPostgres } from '../helpers/postgres.mjs';
import { send } from '../fixtures/http/harness.mjs';

const pgEnv = await postgresEnv();
after(stopPostgres);

async function runPgApp(variant, app, env = {}, { expectSpans = 1 } = {}) {
  const receiver = await startReceiver();
  try {
    const run = await runCli(['node', appIn(variant, app, PG_VERSIONS)], { env: receiverEnv(receiver, { ...pgEnv, ...env }) });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const results = JSON.parse(/^results (.*)$/m.exec(run.stdout)?.[1] ?? 'null');
    if (expectSpans > 0) await receiver.waitForSpans(expectSpans);
    return { run, results, receiver, spans: receiver.spans };
  } finally {
    await receiver.close();
  }
}

const byName = (spans, name) => spans.filter((s) => s.name === name);

for (const variant of ['pg8-lowest', 'pg8']) {
  const version = variantVersion(variant, 'pg', PG_VERSIONS);
  const hasStreams = variant === 'pg8';

  test(`${variant} (pg ${version}): every query form gets exactly one CLIENT span, under the caller`, async () => {
    // A password the server ignores (trust auth), planted to show it reaches no attribute or line.
    const { results, spans, run } = await runPgApp(variant, 'pg-forms.cjs', { PGPASSWORD: 'planted-pg-secret', OTEL_LOG_LEVEL: 'debug' });
    assert.deepEqual(results, {
      early: 1, text: 2, values: 1, callback: 'ann', valuesCallback: 'ann', config: 1, prepared: 'ann', rowMode: [3, 4],
      syntax: '42601', unique: '23505',
      ...(hasStreams ? { cursor: [1, 2, 3], streamEndSpan: true, stream: [1, 2, 3] } : {}),
      poolPromise: 5, poolCallback: 6, pooledClient: 7,
    });
    assert.doesNotMatch(run.stderr, /OTELI_[WE]_/);
    assert.doesNotMatch(run.stdout + run.stderr, /planted-pg-secret/);
    assert.doesNotMatch(JSON.stringify(spans, (_, v) => (typeof v === 'bigint' ? String(v) : v)), /planted-pg-secret/);
    const table = /oteli_forms_\d+/.exec(spans.map((s) => s.name).join(' '))[0];
    const tree = drawTree(spans).replaceAll(table, 'T');
    // forms (INTERNAL)
    // ├─ pg.connect (CLIENT)
    // ├─ SELECT (CLIENT)                    queued before connect() completed
    // ├─ CREATE TABLE T (CLIENT) … one span per query, in order …
    // ├─ pg-pool.connect (INTERNAL)         the pool's first connection
    // │  └─ pg.connect (CLIENT)
    // └─ SELECT (CLIENT)
    assert.equal(
      tree,
      [
        'forms (INTERNAL)',
        '├─ pg.connect (CLIENT)',
        '├─ SELECT (CLIENT)',
        '├─ CREATE TABLE T (CLIENT)',
        '├─ SELECT (CLIENT)',
        '├─ INSERT T (CLIENT)',
        '├─ SELECT T (CLIENT)', // callback
        '├─ SELECT T (CLIENT)', // values + callback
        '├─ SELECT T (CLIENT)', // config object
        '├─ SELECT T (CLIENT)', // prepared, first
        '├─ SELECT T (CLIENT)', // prepared, second
        '├─ SELECT (CLIENT)', // rowMode
        '├─ SELECT T (CLIENT)', // literals
        '├─ BATCH INSERT T (CLIENT)',
        '├─ postgresql (CLIENT)', // syntax error: no operation known
        '├─ INSERT T (CLIENT)', // unique violation
        ...(hasStreams ? ['├─ SELECT T (CLIENT)', '├─ SELECT T (CLIENT)'] : []), // pg-cursor, pg-query-stream
        '├─ DROP TABLE T (CLIENT)',
        '├─ pg-pool.connect (INTERNAL)',
        '│  └─ pg.connect (CLIENT)',
        '├─ SELECT (CLIENT)',
        '├─ pg-pool.connect (INTERNAL)',
        '├─ SELECT (CLIENT)',
        '├─ pg-pool.connect (INTERNAL)',
        '└─ SELECT (CLIENT)',
      ].join('\n'),
    );

    const insert = spans.find((s) => s.name === `INSERT ${table}` && s.status.code === 'UNSET');
    assert.deepEqual(insert.attributes, {
      'db.system.name': 'postgresql',
      'db.namespace': pgEnv.PGDATABASE,
      'server.address': pgEnv.PGHOST,
      'server.port': Number(pgEnv.PGPORT),
      'db.operation.name': 'INSERT',
      'db.collection.name': table,
      'db.query.summary': `INSERT ${table}`,
      'db.query.text': `INSERT INTO ${table} (id, name) VALUES ($1, $2) RETURNING id`,
    });
    const literals = spans.find((s) => (s.attributes['db.query.text'] ?? '').includes('FROM') && s.attributes['db.query.text'].includes('IN (?)'));
    assert.equal(literals.attributes['db.query.text'], `SELECT ?, ?, ?, ?, ?, ?, ?, ?   \n FROM ${table} WHERE id IN (?)`);
    const batch = spans.find((s) => s.name === `BATCH INSERT ${table}`);
    assert.equal(batch.attributes['db.operation.batch.size'], 2);
    assert.equal(batch.attributes['db.operation.name'], 'BATCH INSERT');
    assert.equal(batch.attributes['db.query.text'], `INSERT INTO ${table} VALUES (?, ?); INSERT INTO ${table} VALUES (?, ?)`);

    const syntax = spans.find((s) => s.name === 'postgresql');
    assert.equal(syntax.status.code, 'ERROR');
    assert.equal(syntax.attributes['db.response.status_code'], '42601');
    assert.equal(syntax.attributes['error.type'], '42601');
    assert.equal(syntax.events.find((e) => e.name === 'exception')?.attributes['exception.message'], 'syntax error at or near "SELEC"');
    const unique = spans.find((s) => s.name === `INSERT ${table}` && s.status.code === 'ERROR');
    assert.equal(unique.attributes['db.response.status_code'], '23505');
    assert.equal(unique.attributes['error.type'], '23505');
    // No parameter values by default, and never a password.
    for (const span of spans) {
      assert.equal(Object.keys(span.attributes).some((k) => k.startsWith('db.query.parameter.')), false);
      assert.doesNotMatch(JSON.stringify(span.attributes), /password/i);
    }
  });
}

test('OTEL_INSTRUMENTATION_PG_QUERY_TEXT=raw / off and OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS=true', async () => {
  const raw = await runPgApp('pg8', 'pg-forms.cjs', { OTEL_INSTRUMENTATION_PG_QUERY_TEXT: 'raw', OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS: 'true' });
  const literal = raw.spans.find((s) => (s.attributes['db.query.text'] ?? '').includes("'it''s'"));
  assert.ok(literal, 'the raw text, literals and all');
  const valued = raw.spans.find((s) => (s.attributes['db.query.text'] ?? '').includes('VALUES ($1, $2) RETURNING id'));
  assert.deepEqual([valued.attributes['db.query.parameter.0'], valued.attributes['db.query.parameter.1']], ['1', 'ann']);
  const off = await runPgApp('pg8', 'pg-forms.cjs', { OTEL_INSTRUMENTATION_PG_QUERY_TEXT: 'off' });
  assert.equal(off.spans.some((s) => 'db.query.text' in s.attributes), false);
  assert.ok(off.spans.some((s) => s.attributes['db.query.summary'] === 'SELECT'), 'the summary stays');
});

test('a busy pool (1 client, 4 concurrent requests): each query lands in its own request\'s trace', async () => {
  const receiver = await startReceiver();
  try {
    const child = spawnCli(['node', appIn('pg8', 'pg-busy-pool.cjs', PG_VERSIONS)], { env: receiverEnv(receiver, { ...pgEnv, REQUESTS: '4' }) });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    const ids = ['a', 'b', 'c', 'd'];
    const bodies = await Promise.all(ids.map((id) => send(Number(port), `/${id}`).then((r) => r.body)));
    assert.deepEqual(bodies, ids);
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'SERVER').length === 4);
    for (const id of ids) {
      const server = spans.find((s) => s.kind === 'SERVER' && s.attributes['url.path'] === `/${id}`);
      const trace = receiver.spans.filter((s) => s.traceId === server.traceId);
      // GET (SERVER /a)
      // ├─ pg-pool.connect (INTERNAL)   (waits for the one client)
      // ├─ SELECT (CLIENT)
      // ├─ pg-pool.connect (INTERNAL)
      // ├─ SELECT (CLIENT)
      // └─ after-a (INTERNAL)          made in the query's callback
      const tree = drawTree(trace).replace(/\n│  └─ pg\.connect \(CLIENT\)/, '');
      assert.equal(tree, ['GET (SERVER)', '├─ pg-pool.connect (INTERNAL)', '├─ SELECT (CLIENT)', '├─ pg-pool.connect (INTERNAL)', '├─ SELECT (CLIENT)', `└─ after-${id} (INTERNAL)`].join('\n'), `request ${id}`);
    }
  } finally {
    await receiver.close();
  }
});

test('a web request whose handler runs queries: one tree', async () => {
  const receiver = await startReceiver();
  try {
    const child = spawnCli(['node', appIn('pg8', 'pg-express.cjs', PG_VERSIONS)], { env: receiverEnv(receiver, { ...pgEnv, OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS: 'false' }) });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    assert.equal((await send(Number(port), '/users/5')).body, '{"id":5,"name":"ann"}');
    assert.equal((await child.result).code, 0);
    await receiver.waitForSpans((all) => all.some((s) => s.kind === 'SERVER'));
    // GET /users/:id (SERVER)
    // ├─ pg-pool.connect (INTERNAL)
    // │  └─ pg.connect (CLIENT)
    // ├─ SELECT (CLIENT)
    // ├─ pg-pool.connect (INTERNAL)
    // └─ SELECT (CLIENT)
    assert.equal(
      drawTree(receiver.spans),
      ['GET /users/:id (SERVER)', '├─ pg-pool.connect (INTERNAL)', '│  └─ pg.connect (CLIENT)', '├─ SELECT (CLIENT)', '├─ pg-pool.connect (INTERNAL)', '└─ SELECT (CLIENT)'].join('\n'),
    );
  } finally {
    await receiver.close();
  }
});

test('connection refused: ERROR spans with error.type ECONNREFUSED; the app sees pg\'s own errors', async () => {
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  const { results, spans } = await runPgApp('pg8', 'pg-refused.cjs', { PGPORT: String(port) });
  assert.equal(results.connect, 'ECONNREFUSED');
  const connect = byName(spans, 'pg.connect')[0];
  assert.equal(connect.status.code, 'ERROR');
  assert.equal(connect.attributes['error.type'], 'ECONNREFUSED');
  assert.equal(connect.attributes['server.port'], port);
  const query = byName(spans, 'SELECT')[0];
  assert.equal(query.status.code, 'ERROR');
  assert.equal(query.events[0]?.attributes['exception.message'], results.query);
});

test('an ES module app (import pg from \'pg\') is traced the same', async () => {
  const { results, spans } = await runPgApp('pg8', 'pg-app.mjs');
  assert.deepEqual(results, { n: 8 });
  assert.equal(drawTree(spans), ['esm (INTERNAL)', '├─ pg-pool.connect (INTERNAL)', '│  └─ pg.connect (CLIENT)', '└─ SELECT (CLIENT)'].join('\n'));
});

test('pg 7: runs uninstrumented for pg, with one warning line', async () => {
  const { results, run, spans } = await runPgApp('pg7', 'pg7-app.cjs', {}, { expectSpans: 0 });
  // Client's methods are pg's own (pg 7's are anonymous; a wrapper of ours would be named).
  const bare = await runCli(['node', appIn('pg7', 'pg7-app.cjs', PG_VERSIONS)], { env: { OTEL_SDK_DISABLED: 'true' } });
  assert.equal(run.stdout, bare.stdout);
  assert.deepEqual(results, { query: '', connect: '', pool: 'function' });
  const warnings = run.stderr.split('\n').filter((l) => /OTELI_[WE]_/.test(l));
  assert.equal(warnings.length, 1, run.stderr);
  assert.match(warnings[0], /warn OTELI_W_UNSUPPORTED_VERSION: pg: pg version 7\.18\.2 is outside the supported range ">=8\.0\.3 <9"; not instrumented/);
  assert.deepEqual(spans, []);
});
