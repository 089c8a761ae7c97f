// What the README says against what the code does, so that they cannot drift apart: the support
// table (from the instrumentation definitions), the Messages table (every warning code the source
// can print), the log levels (what --help and the config accept).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const { supportTableMarkdown } = require('../../dist/instrumentations/support.js');
const { LOG_LEVELS } = require('../../dist/log.js');
const { SETTINGS } = require('../../dist/config/settings.js');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.m?ts$/.test(name) ? [path] : [];
  });
}

function section(heading) {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `README has a "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

test('the README support table is the one the definitions give', () => {
  const expected = supportTableMarkdown();
  assert.ok(
    readme.includes(`${expected}\n`),
    `README.md's "What is traced" table differs from the definitions; it should read:\n\n${expected}\n`,
  );
});

test('every warning code the source can print is in the README Messages table, and no other', () => {
  const inSource = new Set(sourceFiles(join(root, 'src')).flatMap((file) => readFileSync(file, 'utf8').match(/OTELI_W_[A-Z_]+/g) ?? []));
  const inTable = new Set(section('Messages').match(/OTELI_W_[A-Z_]+/g) ?? []);
  assert.deepEqual([...inSource].filter((code) => !inTable.has(code)).sort(), [], 'codes the README does not explain');
  assert.deepEqual([...inTable].filter((code) => !inSource.has(code)).sort(), [], 'codes the README lists that nothing prints');
});

test('the README lists every OTEL_LOG_LEVEL value the config accepts and --help offers', () => {
  const row = readme.split('\n').find((line) => line.startsWith('| `OTEL_LOG_LEVEL` |'));
  assert.ok(row, 'a row for OTEL_LOG_LEVEL');
  for (const level of LOG_LEVELS) assert.match(row, new RegExp(`\`${level}\``), `README's OTEL_LOG_LEVEL row names ${level}`);
  const help = SETTINGS.find((s) => s.env === 'OTEL_LOG_LEVEL').description;
  for (const level of LOG_LEVELS) assert.match(help, new RegExp(`\\b${level}\\b`), `--help names ${level}`);
});
