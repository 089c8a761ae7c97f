// The require route: CommonJS programs that install the hooks in-process, then load fake-cjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from '../fixtures/hooks/run-program.mjs';

function run(env) {
  const out = runProgram('require-app.cjs', { env });
  assert.equal(out.status, 0, out.stderr);
  assert.ok(out.result, `no RESULT line:\n${out.stdout}\n${out.stderr}`);
  return out;
}

test('a module in range is patched, with one debug line naming id, version and path', () => {
  const out = run({ HOOKS_IDS: 'fake-cjs', OTEL_LOG_LEVEL: 'debug' });
  assert.equal(out.result.greet, 'patched:hello app');
  assert.equal(out.result.sameExports, true);
  assert.deepEqual(out.result.stats.applied, { 'fake-cjs': 1 });
  assert.deepEqual(out.result.stats.versions, { 'fake-cjs': '2.3.0' });
  assert.deepEqual(out.result.stats.ctxIds, { 'fake-cjs': 'fake-cjs' });
  // ctx.loadedVersion: the version of the instrumentation's own module, as the hooks saw it.
  assert.deepEqual(out.result.stats.loadedVersions, { 'fake-cjs': '2.3.0' });
  assert.deepEqual(out.result.patched, [{ id: 'fake-cjs', module: 'fake-cjs', version: '2.3.0' }]);
  const lines = out.lines('fake-cjs: patched');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /debug: fake-cjs: patched fake-cjs@2\.3\.0 \(.*node_modules[/\\]fake-cjs\)/);
});

test('the patch is not loaded before its module loads', () => {
  const out = run({ HOOKS_IDS: 'fake-cjs' });
  assert.deepEqual(out.result.loadedBefore, {});
  assert.deepEqual(out.result.stats.loaded, { 'fake-cjs': true });
});

test('a target file inside the package is patched through the internals hook', () => {
  const out = run({ HOOKS_IDS: 'fake-cjs-client' });
  assert.equal(out.result.query, 'traced:result of SELECT 1');
  assert.equal(out.result.greet, 'hello app', 'the main entry is not this target');
  assert.deepEqual(out.result.patched, [{ id: 'fake-cjs-client', module: 'fake-cjs', file: 'lib/client.js', version: '2.3.0' }]);
});

test('a version out of range: not patched, patch never loaded, one warning with id, version and range', () => {
  const out = run({ HOOKS_IDS: 'fake-cjs-future' });
  assert.equal(out.result.greet, 'hello app');
  assert.deepEqual(out.result.stats.loaded, {});
  assert.deepEqual(out.result.patched, []);
  const warnings = out.lines('OTELI_W_UNSUPPORTED_VERSION');
  assert.equal(warnings.length, 1, out.stderr);
  assert.match(warnings[0], /warn OTELI_W_UNSUPPORTED_VERSION: fake-cjs-future: fake-cjs version 2\.3\.0 is outside the supported range ">=3 <4"/);
});

test('a patch that throws: the app gets the original module and runs; one error line', () => {
  const out = run({ HOOKS_IDS: 'fake-throw' });
  // The patch wrapped greet before throwing: the wrap is undone.
  assert.equal(out.result.greet, 'hello app');
  assert.deepEqual(out.result.patched, []);
  const errors = out.lines('OTELI_E_PATCH_FAILED');
  assert.equal(errors.length, 1, out.stderr);
  assert.match(errors[0], /error: OTELI_E_PATCH_FAILED fake-throw: patching fake-cjs@2\.3\.0 .* threw; the module is left unpatched: boom in patch/);
});

test('a throwing patch does not stop the next instrumentation of the same module', () => {
  const out = run({ HOOKS_IDS: 'fake-throw,fake-cjs' });
  assert.equal(out.result.greet, 'patched:hello app');
  assert.deepEqual(out.result.patched.map((p) => p.id), ['fake-cjs']);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS turns an instrumentation off', () => {
  const out = run({ HOOKS_IDS: 'fake-cjs,fake-cjs-client', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fake-cjs' });
  assert.equal(out.result.greet, 'hello app');
  assert.equal(out.result.query, 'traced:result of SELECT 1');
  assert.deepEqual(out.result.stats.loaded, { 'fake-cjs-client': true });
});

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS keeps only the listed ones; unknown ids warn once', () => {
  const out = run({ HOOKS_IDS: 'fake-cjs,fake-cjs-client', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'fake-cjs,nope' });
  assert.equal(out.result.greet, 'patched:hello app');
  assert.equal(out.result.query, 'result of SELECT 1');
  assert.equal(out.lines('OTELI_W_UNKNOWN_INSTRUMENTATION').length, 1);
  assert.match(out.lines('OTELI_W_UNKNOWN_INSTRUMENTATION')[0], /"nope"/);
});

test('channels: handlers load on the first message, once, only for enabled definitions; a throwing load is contained', () => {
  const out = run({ HOOKS_IDS: 'channel-load-throws,channel-test,fake-cjs' });
  assert.equal(out.result.handlersBefore, null, 'nothing loaded before the first message');
  assert.deepEqual(out.result.stats.started, ['channel-test'], 'loaded once');
  assert.deepEqual(out.result.stats.messages, [{ n: 1 }, { n: 2 }]);
  assert.equal(out.result.greet, 'patched:hello app');
  const errors = out.lines('OTELI_E_CHANNEL_LOAD');
  assert.equal(errors.length, 1, out.stderr);
  assert.match(errors[0], /channel-load-throws: could not load the diagnostics-channel handlers: boom in load/);
  const off = run({ HOOKS_IDS: 'channel-test', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'channel-test' });
  assert.equal(off.result.stats.started, undefined);
  assert.equal(off.result.stats.messages, undefined);
});

test('split version ranges: the target that does not match stays silent when a sibling patched the module', () => {
  // fake-split targets fake-cjs ">=1 <2" and ">=2 <3" (like express 4 and 5); 2.3.0 is patched.
  const out = run({ HOOKS_IDS: 'fake-split' });
  assert.equal(out.result.greet, 'split:hello app');
  assert.deepEqual(out.lines('OTELI_W_UNSUPPORTED_VERSION'), [], out.stderr);
  // Another instrumentation of the same module patched it: still no warning for this copy.
  const withSibling = run({ HOOKS_IDS: 'fake-cjs-future,fake-cjs' });
  assert.equal(withSibling.result.greet, 'patched:hello app');
  assert.deepEqual(withSibling.lines('OTELI_W_UNSUPPORTED_VERSION'), [], withSibling.stderr);
  // No target matches: one warning naming both ranges.
  const none = run({ HOOKS_IDS: 'fake-split-future' });
  const warnings = none.lines('OTELI_W_UNSUPPORTED_VERSION');
  assert.equal(warnings.length, 1, none.stderr);
  assert.match(warnings[0], /fake-split-future: fake-cjs version 2\.3\.0 is outside the supported range ">=3 <4" or ">=4 <5"/);
});

test('at debug level, a library the app loads but the user turned off says so', () => {
  const out = run({ HOOKS_IDS: 'fake-cjs', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fake-cjs', OTEL_LOG_LEVEL: 'debug' });
  assert.equal(out.result.greet, 'hello app');
  assert.match(out.stderr, /debug: fake-cjs: fake-cjs@2\.3\.0 \(.*\) loaded, not traced: turned off by OTEL_NODE_DISABLED_INSTRUMENTATIONS/);
});

const [major, minor] = process.versions.node.split('.').map(Number);
const canRequireEsm = major > 22 || (major === 22 && minor >= 12);

test('require() of an ES module (Node >= 22.12): loaded untouched, a debug line, no error', { skip: !canRequireEsm && `require(esm) needs Node >= 22.12, this is ${process.version}` }, () => {
  const out = runProgram('require-esm-app.cjs', { env: { HOOKS_IDS: 'fake-esm', OTEL_LOG_LEVEL: 'debug' } });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.result.loaded, true);
  assert.deepEqual(out.lines('OTELI_E_'), []);
  assert.equal(out.lines('loaded with require() of an ES module').length, 1, out.stderr);
});
