// A builtin from a CommonJS app, without the ESM loader (the --require route): 'os', 'node:os',
// process.getBuiltinModule and import() all hand out the one patched object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from '../fixtures/hooks/run-program.mjs';

test('os is patched once whether required as os / node:os, obtained by getBuiltinModule, or imported', () => {
  const out = runProgram('builtin-app.cjs', { env: { HOOKS_IDS: 'os-test' } });
  assert.equal(out.status, 0, out.stderr);
  const { result } = out;
  assert.deepEqual(result.hostnames, Array(5).fill('patched-host'));
  assert.equal(result.sameObject, true);
  // syncBuiltinESMExports: the named export of the builtin's ESM facade follows the CJS object.
  assert.equal(result.namedImport, 'patched-host');
  assert.deepEqual(result.stats.applied, { 'os-test': 1 });
  assert.deepEqual(result.patched, [{ id: 'os-test', module: 'os' }]);
});

test('os obtained first by process.getBuiltinModule is patched too', () => {
  const out = runProgram('builtin-get-first-app.cjs', { env: { HOOKS_IDS: 'os-test' } });
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(out.result.hostnames, ['patched-host', 'patched-host']);
  assert.deepEqual(out.result.stats.applied, { 'os-test': 1 });
});

test('with os not instrumented, nothing is patched', () => {
  const out = runProgram('builtin-app.cjs', { env: { HOOKS_IDS: 'os-test', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'os-test' } });
  assert.equal(out.status, 0, out.stderr);
  assert.ok(out.result.hostnames.every((h) => h !== 'patched-host'));
  assert.deepEqual(out.result.stats.loaded, {});
});
