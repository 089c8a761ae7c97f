// The SQL sanitiser and summariser of the pg instrumentation (src/instrumentations/pg/sql.ts),
// with adversarial statements: every literal kind, comments, CTEs, INSERT … SELECT, quoted and
// schema-qualified names, batches, and very long text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { analyseSql, analyseSqlCached, MAX_ANALYSED_LENGTH } = require('../../dist/instrumentations/pg/sql.js');

const cases = [
  // [text, sanitized, operation, collection, summary]
  ["SELECT * FROM users WHERE name = 'O''Brien' AND id = 42", 'SELECT * FROM users WHERE name = ? AND id = ?', 'SELECT', 'users', 'SELECT users'],
  ['SELECT name FROM users WHERE id = $1', 'SELECT name FROM users WHERE id = $1', 'SELECT', 'users', 'SELECT users'],
  ["SELECT E'it\\'s', e'\\\\', 'plain' FROM t", 'SELECT ?, ?, ? FROM t', 'SELECT', 't', 'SELECT t'],
  ["SELECT $$a 'quoted' body$$, $fn$ x $$ y $fn$ FROM t", 'SELECT ?, ? FROM t', 'SELECT', 't', 'SELECT t'],
  ["SELECT X'1F', B'1010', 0x1F, 1.5, .5, 3e10, 2.5E-3 FROM t", 'SELECT ?, ?, ?, ?, ?, ?, ? FROM t', 'SELECT', 't', 'SELECT t'],
  ['SELECT 1 -- trailing comment\nFROM t /* block /* nested */ still comment */ WHERE a IN (1, 2, 3)', 'SELECT ? \nFROM t   WHERE a IN (?)', 'SELECT', 't', 'SELECT t'],
  ['SELECT col1, t2col FROM t2 WHERE x = $10', 'SELECT col1, t2col FROM t2 WHERE x = $10', 'SELECT', 't2', 'SELECT t2'],
  ['INSERT INTO shipping_details SELECT * FROM orders', 'INSERT INTO shipping_details SELECT * FROM orders', 'INSERT', undefined, 'INSERT shipping_details SELECT orders'],
  ['SELECT a.x FROM songs a JOIN artists b ON a.id = b.id', 'SELECT a.x FROM songs a JOIN artists b ON a.id = b.id', 'SELECT', undefined, 'SELECT songs artists'],
  ['WITH recent AS (SELECT * FROM orders) SELECT * FROM recent', 'WITH recent AS (SELECT * FROM orders) SELECT * FROM recent', 'SELECT', 'orders', 'SELECT orders SELECT recent'],
  ['UPDATE public."Order Items" SET qty = qty + 1 WHERE id = $1', 'UPDATE public."Order Items" SET qty = qty + ? WHERE id = $1', 'UPDATE', 'public."Order Items"', 'UPDATE public."Order Items"'],
  ['DELETE FROM ONLY sessions WHERE expires < now()', 'DELETE FROM ONLY sessions WHERE expires < now()', 'DELETE', 'sessions', 'DELETE sessions'],
  ['CREATE TABLE IF NOT EXISTS items (id int)', 'CREATE TABLE IF NOT EXISTS items (id int)', 'CREATE TABLE', 'items', 'CREATE TABLE items'],
  ['CREATE UNIQUE INDEX CONCURRENTLY items_id ON items (id)', 'CREATE UNIQUE INDEX CONCURRENTLY items_id ON items (id)', 'CREATE UNIQUE INDEX', undefined, 'CREATE UNIQUE INDEX items_id'],
  ['SELECT "a""b" FROM "Weird""Table"', 'SELECT "a""b" FROM "Weird""Table"', 'SELECT', '"Weird""Table"', 'SELECT "Weird""Table"'],
  ['select 1', 'select ?', 'SELECT', undefined, 'SELECT'],
  ['not sql at all', 'not sql at all', undefined, undefined, undefined],
];

for (const [text, sanitized, operation, collection, summary] of cases) {
  test(`analyseSql: ${JSON.stringify(text).slice(0, 70)}`, () => {
    const result = analyseSql(text);
    assert.deepEqual(
      { sanitized: result.sanitized, operation: result.operation, collection: result.collection, summary: result.summary },
      { sanitized, operation, collection, summary },
    );
    assert.equal(result.batchSize, undefined);
  });
}

test('a batch: BATCH with the common summary, or BATCH alone; the statement count', () => {
  const same = analyseSql("INSERT INTO a VALUES (1, 'x'); INSERT INTO a VALUES (2, 'y');");
  assert.deepEqual([same.operation, same.summary, same.collection, same.batchSize], ['BATCH INSERT', 'BATCH INSERT a', 'a', 2]);
  const mixed = analyseSql('BEGIN; UPDATE a SET x = 1; COMMIT');
  assert.deepEqual([mixed.operation, mixed.summary, mixed.collection, mixed.batchSize], ['BATCH', 'BATCH', undefined, 3]);
  // A semicolon inside a literal or a comment is no statement boundary.
  const quoted = analyseSql("SELECT ';' FROM t -- ; not a statement");
  assert.equal(quoted.batchSize, undefined);
  assert.equal(quoted.sanitized, 'SELECT ? FROM t');
});

test('unterminated literals and comments never throw and never leak the rest', () => {
  assert.equal(analyseSql("SELECT 'secret never closed").sanitized, 'SELECT ?');
  assert.equal(analyseSql('SELECT $$ secret never closed').sanitized, 'SELECT ?');
  assert.equal(analyseSql('SELECT 1 /* secret never closed').sanitized, 'SELECT ?');
  assert.equal(analyseSql('').summary, undefined);
});

test('very long statements: a summary of at most 255 characters; huge texts are not cached', () => {
  const tables = Array.from({ length: 200 }, (_, i) => `table_number_${i}`);
  const text = `SELECT * FROM ${tables.join(', ')} WHERE x = 'lit'`;
  const result = analyseSql(text);
  assert.ok(result.summary.length <= 255 && result.summary.startsWith('SELECT table_number_0 table_number_1'));
  const long = `SELECT '${'x'.repeat(MAX_ANALYSED_LENGTH - 100)}' FROM t`;
  assert.equal(analyseSqlCached(long).sanitized, 'SELECT ? FROM t', 'a long literal within what is read');
  assert.notEqual(analyseSqlCached(long), analyseSqlCached(long), 'not cached');
  assert.equal(analyseSqlCached('SELECT 1 FROM t'), analyseSqlCached('SELECT 1 FROM t'), 'cached');
});

test('a statement longer than MAX_ANALYSED_LENGTH (64 KiB): only its start is read, and what is cut open leaks nothing', () => {
  assert.equal(MAX_ANALYSED_LENGTH, 65536);
  // A 10 MB IN list: lexed whole it took 1.5 s and 200 MB; cut, a few milliseconds.
  const inList = `SELECT * FROM users WHERE id IN (${Array.from({ length: 1_500_000 }, (_, i) => i).join(',')})`;
  const started = performance.now();
  const result = analyseSql(inList);
  const elapsedMs = performance.now() - started;
  assert.ok(elapsedMs < 200, `analysed in ${elapsedMs.toFixed(0)} ms`);
  assert.equal(result.summary, 'SELECT users');
  assert.equal(result.collection, 'users');
  assert.ok(result.sanitized.startsWith('SELECT * FROM users WHERE id IN (?,?,?'));
  assert.ok(result.sanitized.length <= MAX_ANALYSED_LENGTH);
  assert.doesNotMatch(result.sanitized, /\d/, 'every number became ?');
  // Cut inside a literal, a comment, a dollar-quoted body: the open rest is replaced, never kept.
  const pad = 'x'.repeat(MAX_ANALYSED_LENGTH);
  for (const [text, sanitized] of [
    [`SELECT 'secret ${pad}' FROM t`, 'SELECT ?'],
    [`SELECT $q$secret ${pad}$q$ FROM t`, 'SELECT ?'],
    [`SELECT E'sec\\'ret ${pad}' FROM t`, 'SELECT ?'],
    [`SELECT 1 /* secret ${pad} */ FROM t`, 'SELECT ?'],
  ]) {
    const cut = analyseSqlCached(text);
    assert.equal(cut.sanitized, sanitized, text.slice(0, 30));
    assert.equal(cut.operation, 'SELECT');
  }
  // A quoted table name longer than any PostgreSQL identifier: recorded at most 255 long.
  assert.equal(analyseSql(`SELECT * FROM "${'n'.repeat(100_000)}"`).collection.length, 255);
});
