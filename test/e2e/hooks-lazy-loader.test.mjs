// The `sync` ESM loader path loads import-in-the-middle's hooks on the first import of a module we
// instrument (src/hooks/lazy-esm-hooks.ts), through the real CLI (which preloads with --import):
// an app that imports none of them never loads them; one that imports express does, and is traced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { IN_THREAD_ESM_LOADER } from '../helpers/esm-loader-path.mjs';
import { runFrameworkApp, variantVersion } from '../helpers/frameworks.mjs';
import { runCli, FIXTURES } from '../helpers/run-cli.mjs';

const SYNC = IN_THREAD_ESM_LOADER;
const skip = SYNC ? false : `no module.registerHooks() path in Node.js ${process.version}: module.register() loads the hooks on its thread`;

const DEBUG = { OTEL_LOG_LEVEL: 'debug', OTEL_TRACES_EXPORTER: 'none' };
const LOADED = /import-in-the-middle's hooks loaded for the import of (\S+)/;

test('an ES module app importing nothing we instrument never loads import-in-the-middle', { skip }, async () => {
  const run = await runCli(['node', join(FIXTURES, 'basic', 'esm-no-targets.mjs')], { env: DEBUG });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /iitm hooks loaded by: nothing/);
  assert.match(run.stderr, /ESM loader registered with module\.registerHooks\(\)/);
  assert.match(run.stderr, /import hook waits for the first import of a module we instrument/);
  assert.doesNotMatch(run.stderr, LOADED);
  assert.doesNotMatch(run.stderr, /import hook installed/);
});

test('a CommonJS app under --import requires http and express: traced, import-in-the-middle never loads', { skip }, async () => {
  const { spans, stderr } = await runFrameworkApp('express5', 'express-app.cjs', [['GET', '/books/7']], { OTEL_LOG_LEVEL: 'debug' });
  assert.equal(spans.find((s) => s.kind === 'SERVER').attributes['http.route'], '/books/:id');
  assert.doesNotMatch(stderr, LOADED);
});

test(`an ES module app importing express (${variantVersion('express5', 'express')}) loads it there, and is traced`, { skip }, async () => {
  const { spans, stderr } = await runFrameworkApp('express5', 'express-app.mjs', [['GET', '/users/5']], { OTEL_LOG_LEVEL: 'debug' });
  assert.equal(stderr.match(new RegExp(LOADED, 'g'))?.length, 1, stderr);
  assert.equal(LOADED.exec(stderr)[1], 'express');
  assert.match(stderr, /import hook installed/);
  const server = spans.find((s) => s.kind === 'SERVER');
  assert.equal(server.attributes['http.route'], '/users/:id');
  assert.ok(spans.some((s) => s.name === 'request handler - /users/:id'), 'express INTERNAL spans');
});
