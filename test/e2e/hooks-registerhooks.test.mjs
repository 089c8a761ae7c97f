// The two ESM loader paths of src/hooks/esm-loader.mts: module.registerHooks() (in-thread, where
// import-in-the-middle supports the running Node.js: >= 22.22.3, >= 24.11.1) and module.register()
// (loader thread, everywhere else). Both must give every import style the same patches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { fixtures } from '../fixtures/hooks/run-program.mjs';
import { IN_THREAD_ESM_LOADER } from '../helpers/esm-loader-path.mjs';
import { REGISTER_MJS } from '../helpers/run-cli.mjs';

const SYNC = IN_THREAD_ESM_LOADER;
const NO_SYNC = SYNC ? false : `no module.registerHooks() path in Node.js ${process.version}`;
const ONLY_NO_SYNC = SYNC ? `Node.js ${process.version} has the module.registerHooks() path` : false;

function run(program, env, preload = './preload-mode.mjs') {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('HOOKS_') && k !== 'NODE_OPTIONS'),
  );
  const child = spawnSync(process.execPath, ['--import', preload, program], {
    cwd: fixtures,
    env: { ...clean, HOOKS_PRELOADED: '1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `no RESULT line:\n${child.stdout}\n${child.stderr}`);
  return { result: JSON.parse(line.slice('RESULT '.length)), stderr: child.stderr };
}

const ALL = { HOOKS_IDS: 'fake-esm,fake-esm-internal,fake-cjs,os-test' };

function assertEveryImportStylePatched(result) {
  assert.deepEqual(result.esm, {
    default: 'patched:hello a',
    named: 'patched:hello b',
    namespace: 'patched:hello c',
    nsDefault: 'patched:hello d',
  });
  assert.deepEqual(result.internal, { named: 'loud:X', namespace: 'loud:Y' });
  assert.deepEqual(result.cjs, {
    default: 'patched:hello a',
    named: 'patched:hello b',
    namespace: 'patched:hello c',
    required: 'patched:hello d',
  });
  assert.equal(result.cjsSameObject, true, 'require() and import share the one CJS exports object');
  assert.deepEqual(result.os, {
    default: 'patched-host',
    named: 'patched-host',
    namespace: 'patched-host',
    dynamic: 'patched-host',
    required: 'patched-host',
    getBuiltinModule: 'patched-host',
  });
  assert.deepEqual(result.stats.applied, { 'fake-esm': 1, 'fake-esm-internal': 1, 'fake-cjs': 1, 'os-test': 1 });
}

test(`auto mode takes the ${SYNC ? 'module.registerHooks()' : 'module.register()'} path on Node.js ${process.version}`, () => {
  const { result, stderr } = run('esm-app.mjs', ALL);
  assert.equal(result.stats.esmLoaderPath, SYNC ? 'sync' : 'async');
  assertEveryImportStylePatched(result);
  assert.equal(stderr, '');
});

test('sync (module.registerHooks): ESM, CJS and builtin imports of every style see the patches', { skip: NO_SYNC }, () => {
  const { result, stderr } = run('esm-app.mjs', { ...ALL, HOOKS_ESM_MODE: 'sync' });
  assert.equal(result.stats.esmLoaderPath, 'sync');
  assertEveryImportStylePatched(result);
  assert.equal(stderr, '');
});

test('async (module.register): ESM, CJS and builtin imports of every style see the patches', () => {
  const { result } = run('esm-app.mjs', { ...ALL, HOOKS_ESM_MODE: 'async' });
  assert.equal(result.stats.esmLoaderPath, 'async');
  assertEveryImportStylePatched(result);
});

test('sync: a CJS app requiring then importing a package gets one patched object', { skip: NO_SYNC }, () => {
  // The sync hooks also see require(); import-in-the-middle must leave those alone.
  const { result } = run('require-then-import-app.cjs', { HOOKS_IDS: 'fake-cjs', HOOKS_ESM_MODE: 'sync' });
  assert.deepEqual(
    { required: result.required, importedDefault: result.importedDefault, importedNamed: result.importedNamed },
    { required: 'patched:hello a', importedDefault: 'patched:hello b', importedNamed: 'patched:hello c' },
  );
  assert.deepEqual(result.stats.applied, { 'fake-cjs': 1 });
});

test('sync: only the modules we instrument are wrapped', { skip: NO_SYNC }, () => {
  const { result } = run('esm-app.mjs', { HOOKS_IDS: 'fake-cjs', HOOKS_ESM_MODE: 'sync' });
  assert.equal(result.esm.named, 'hello b');
  assert.equal(result.cjs.named, 'patched:hello b');
});

test('sync asked for where it cannot work: one OTELI_W_NO_SYNC_HOOKS warning, module.register() used', { skip: ONLY_NO_SYNC }, () => {
  const { result, stderr } = run('esm-app.mjs', { ...ALL, HOOKS_ESM_MODE: 'sync' });
  assert.equal(result.stats.esmLoaderPath, 'async');
  assertEveryImportStylePatched(result);
  assert.equal(stderr.split('\n').filter((l) => l.includes('OTELI_W_NO_SYNC_HOOKS')).length, 1, stderr);
});

test('the agent preload (register.mjs) registers the ESM loader on the path this Node.js supports', () => {
  const { stderr } = run('esm-app.mjs', { OTEL_LOG_LEVEL: 'debug', OTEL_TRACES_EXPORTER: 'none' }, pathToFileURL(REGISTER_MJS).href);
  const expected = SYNC ? 'ESM loader registered with module.registerHooks()' : 'ESM loader registered with module.register()';
  assert.ok(stderr.includes(expected), `expected "${expected}" in:\n${stderr}`);
});
