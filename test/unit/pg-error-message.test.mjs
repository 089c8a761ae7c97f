// What a failed query's exception and status may say (src/instrumentations/pg/error-message.ts):
// PostgreSQL's messages quote the offending value (a literal, a parameter, a stored value); a
// quoted part stays only when it is a name the span shows anyway or the server calls a name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { sanitizeServerMessage, recordableError } = require('../../dist/instrumentations/pg/error-message.js');
const { identifiersOf } = require('../../dist/instrumentations/pg/sql.js');

test('identifiersOf: words (also lower-cased, as PostgreSQL folds them) and quoted names, never literals', () => {
  const names = identifiersOf(`SELECT Nope, "Mixed ""Q""" FROM public.t WHERE v = 'hunter2' AND w = $$s3cr3t$$ AND n = 42`);
  for (const name of ['SELECT', 'Nope', 'nope', 'Mixed "Q"', 'public', 't', 'v']) assert.ok(names.has(name), name);
  for (const literal of ['hunter2', "'hunter2'", 's3cr3t', '42']) assert.ok(!names.has(literal), literal);
});

test('sanitizeServerMessage: values become "?", names stay', () => {
  const names = new Set(['users', 'nope', 'public', 'users_email_key', 'YYYY']);
  const cases = [
    ['invalid input syntax for type integer: "hunter2"', 'invalid input syntax for type integer: "?"'],
    ['value "99999999999" is out of range for type integer', 'value "?" is out of range for type integer'],
    ['column "nope" does not exist', 'column "nope" does not exist'],
    ['relation "public.users" does not exist', 'relation "public.users" does not exist'],
    ['duplicate key value violates unique constraint "users_email_key"', 'duplicate key value violates unique constraint "users_email_key"'],
    ['unterminated quoted string at or near "\'hunter2"', 'unterminated quoted string at or near "?"'],
    // A value holding quotes: nothing between them survives, up to the message's last quote.
    ['invalid input syntax for type integer: "{"a": "hunter2"}"', 'invalid input syntax for type integer: "?"'],
    ['invalid value "hunter2" for "YYYY"', 'invalid value "?"'],
    ['unterminated "hunter2', 'unterminated "?"'],
    ['division by zero', 'division by zero'],
    ['invalid value "" for "YYYY"', 'invalid value "?"'],
  ];
  for (const [message, expected] of cases) assert.equal(sanitizeServerMessage(message, names), expected, message);
});

test('recordableError: a server error is copied sanitised (message, stack, code, name); others are kept as they are', () => {
  const error = Object.assign(new Error('invalid input syntax for type integer: "hunter2"'), { name: 'error', code: '22P02', detail: 'hunter2 again' });
  error.stack = 'error: invalid input syntax for type integer: "hunter2"\n    at Parser.parseErrorMessage (parser.js:1:1)';
  const recordable = recordableError(error, "SELECT 'hunter2'::int", 'test');
  assert.deepEqual(recordable, {
    code: '22P02',
    name: 'error',
    message: 'invalid input syntax for type integer: "?"',
    stack: 'error: invalid input syntax for type integer: "?"\n    at Parser.parseErrorMessage (parser.js:1:1)',
  });
  assert.equal(error.message, 'invalid input syntax for type integer: "hunter2"', 'the app still sees its own error');
  // The server's name fields say what is a name: a constraint, a table, a column.
  const unique = Object.assign(new Error('duplicate key value violates unique constraint "t_v_key"'), { code: '23505', constraint: 't_v_key' });
  assert.equal(recordableError(unique, 'INSERT INTO t (v) VALUES ($1)', 'test'), unique);
  // A connect: the database named by the connection.
  const noDb = Object.assign(new Error('database "shop" does not exist'), { code: '3D000' });
  assert.equal(recordableError(noDb, undefined, 'shop'), noDb);
  assert.equal(recordableError(noDb, undefined, 'other').message, 'database "?" does not exist');
  // A stack that does not show the message keeps only its frames.
  const moved = Object.assign(new Error('value "hunter2" is out of range for type integer'), { code: '22003' });
  moved.stack = 'Error: query failed: value "hunter2"…\n    at f (x.js:1:1)';
  assert.equal(recordableError(moved, 'SELECT $1::int', 'test').stack, '    at f (x.js:1:1)');
  // No SQLSTATE: pg's own or the network's text, kept.
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  assert.equal(recordableError(refused, 'SELECT 1', 'test'), refused);
});
