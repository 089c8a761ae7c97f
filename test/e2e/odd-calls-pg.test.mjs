// pg's query and connect called every way pg accepts, and ways it refuses
// (test/fixtures/odd-calls/pg-odd.cjs), in the lowest and the latest pg 8: the app sees what it
// sees without the agent (results, errors and their fields, callbacks and their order against
// promises, its own config objects and submittables untouched), and every query still gets its
// CLIENT span, ended once.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_VERSIONS, variantVersion } from '../helpers/frameworks.mjs';
import { agentLines, oddFixtureIn, runBothWays, transcript } from '../helpers/odd-calls.mjs';
import { postgresEnv, stopPostgres } from '../helpers/postgres.mjs';
import { unusedPort } from '../helpers/listen.mjs';
import { join } from 'node:path';

const pgEnv = await postgresEnv();
after(stopPostgres);

for (const variant of ['pg8-lowest', 'pg8']) {
  const version = variantVersion(variant, 'pg', PG_VERSIONS);

  test(`${variant} (pg ${version}): odd query and connect calls, the same transcript bare and traced`, async (t) => {
    const env = { ...pgEnv, CLOSED_PORT: String(await unusedPort()), OTEL_INSTRUMENTATION_PG_QUERY_TEXT: 'raw' };
    const file = oddFixtureIn(join(PG_VERSIONS, variant), 'pg-odd.cjs');
    const { bare, traced, receiver } = await runBothWays(t, file, { env });
    assert.deepEqual(agentLines(traced.stderr), []);
    const lines = transcript(bare);
    assert.deepEqual(lines.at(-1), ['done']);

    // One span per query that reached the server, whatever its form: the callback forms, a
    // config object carrying its own callback (its span once never ended), pg.Query with and
    // without a callback, pg-cursor and pg-query-stream, a callback that throws, and failures.
    const texts = [
      'SELECT 3 AS n', // (text, cb)
      'SELECT 5 AS n', // (text, null, cb)
      'SELECT 9 AS n', // ({ text, callback })
      'SELECT generate_series(1, 2) AS n', // new pg.Query, events
      'SELECT 21 AS n', // query(Query, cb)
      'SELECT 51 AS n', // a callback that throws
      'SELECT 33 AS n', // pool.query(text, cb)
      ...(variant === 'pg8' ? ['SELECT generate_series(1, 5) AS n', 'SELECT generate_series(1, 3) AS n'] : []), // cursor, stream
    ];
    const spans = await receiver.waitForSpans((all) => texts.every((text) => all.some((s) => s.attributes['db.query.text'] === text)) && all.some((s) => s.attributes['db.query.text'] === 'SELEC 1'));
    for (const text of texts) {
      const matching = spans.filter((s) => s.attributes['db.query.text'] === text);
      assert.equal(matching.length, 1, text);
      assert.equal(matching[0].kind, 'CLIENT', text);
    }
    const failed = spans.find((s) => s.attributes['db.query.text'] === 'SELEC 1');
    assert.deepEqual([failed.status.code, failed.attributes['db.response.status_code']], ['ERROR', '42601']);
    assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'each span exported once');
  });
}

test('pg 8: a failing query whose promise nobody handles crashes the app, traced or not', async (t) => {
  // A handler of ours on pg's promise would make the rejection handled: the app would print
  // "still running" and exit 0 instead of dying of it.
  const file = oddFixtureIn(join(PG_VERSIONS, 'pg8'), 'pg-unhandled.cjs');
  const { bare, traced } = await runBothWays(t, file, { env: pgEnv, expectCode: 1 });
  for (const run of [bare, traced]) {
    assert.match(run.stderr, /syntax error at or near "SELEC"/);
    assert.doesNotMatch(run.stdout, /still running/);
  }
});
