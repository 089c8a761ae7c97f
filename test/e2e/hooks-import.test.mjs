// The import route: programs run with the --import preload (ESM loader + hooks) of
// test/fixtures/hooks/preload.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from '../fixtures/hooks/run-program.mjs';

function run(program, env) {
  const out = runProgram(program, { env, preload: true });
  assert.equal(out.status, 0, out.stderr);
  assert.ok(out.result, `no RESULT line:\n${out.stdout}\n${out.stderr}`);
  return out;
}

test('an ES module: default, named and namespace imports all see the patch', () => {
  const { result, stderr } = run('esm-app.mjs', { HOOKS_IDS: 'fake-esm' });
  assert.deepEqual(result.esm, {
    default: 'patched:hello a',
    named: 'patched:hello b',
    namespace: 'patched:hello c',
    nsDefault: 'patched:hello d',
  });
  assert.deepEqual(result.stats.applied, { 'fake-esm': 1 });
  assert.deepEqual(result.patched, [{ id: 'fake-esm', module: 'fake-esm', version: '1.4.0' }]);
  assert.equal(stderr, '');
});

test('a target file inside an ES package, re-exported by its entry, is patched', () => {
  const { result } = run('esm-app.mjs', { HOOKS_IDS: 'fake-esm-internal' });
  assert.deepEqual(result.internal, { named: 'loud:X', namespace: 'loud:Y' });
  assert.equal(result.esm.named, 'hello b', 'the entry itself is not this target');
});

test('a CommonJS package imported from ESM: default, named, namespace and require share one patch', () => {
  const { result } = run('esm-app.mjs', { HOOKS_IDS: 'fake-cjs' });
  assert.deepEqual(result.cjs, {
    default: 'patched:hello a',
    named: 'patched:hello b',
    namespace: 'patched:hello c',
    required: 'patched:hello d',
  });
  assert.equal(result.cjsSameObject, true);
  assert.deepEqual(result.stats.applied, { 'fake-cjs': 1 });
});

test('a builtin imported every way is patched once', () => {
  const { result } = run('esm-app.mjs', { HOOKS_IDS: 'os-test' });
  assert.deepEqual(result.os, {
    default: 'patched-host',
    named: 'patched-host',
    namespace: 'patched-host',
    dynamic: 'patched-host',
    required: 'patched-host',
    getBuiltinModule: 'patched-host',
  });
  assert.deepEqual(result.stats.applied, { 'os-test': 1 });
  assert.deepEqual(result.patched, [{ id: 'os-test', module: 'os' }]);
});

test('loaded by require first, then by import: patched once', () => {
  const { result, lines } = run('require-then-import-app.cjs', { HOOKS_IDS: 'fake-cjs', OTEL_LOG_LEVEL: 'debug' });
  assert.deepEqual(
    { required: result.required, importedDefault: result.importedDefault, importedNamed: result.importedNamed },
    { required: 'patched:hello a', importedDefault: 'patched:hello b', importedNamed: 'patched:hello c' },
  );
  assert.deepEqual(result.stats.applied, { 'fake-cjs': 1 });
  assert.equal(lines('fake-cjs: patched').length, 1);
  assert.equal(lines('fake-cjs already handled').length, 1);
});

test('an out-of-range ES module is left alone', () => {
  const { result } = run('esm-app.mjs', { HOOKS_IDS: 'fake-esm,fake-cjs-future' });
  assert.equal(result.cjs.named, 'hello b');
  assert.equal(result.stats.loaded['fake-cjs-future'], undefined);
});

test('the loader wraps only the modules we instrument', () => {
  const { result } = run('esm-app.mjs', { HOOKS_IDS: 'fake-cjs' });
  // fake-esm is not in the include list: its exports stay as they are.
  assert.equal(result.esm.named, 'hello b');
});
