import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { selectDefinitions, loaderIncludeList, targetModuleNames, targetFileName } = require('../../dist/hooks/select.js');
const { resetLogOnce, setLogLevel } = require('../../dist/log.js');

const load = () => () => {};
const defs = [
  { id: 'http', targets: [{ module: 'http', versions: '*', load }, { module: 'node:https', versions: '*', load }] },
  { id: 'pg', targets: [{ module: 'pg', versions: '>=8 <9', file: 'lib/client.js', load }] },
  { id: 'express', targets: [{ module: 'express', versions: '>=4 <6', load }] },
  { id: 'undici', targets: [], start() {} },
];

function capture(fn) {
  const lines = [];
  const write = process.stderr.write;
  process.stderr.write = (chunk) => {
    lines.push(String(chunk));
    return true;
  };
  try {
    return { value: fn(), lines };
  } finally {
    process.stderr.write = write;
  }
}

const ids = (list) => list.map((d) => d.id);

beforeEach(() => {
  resetLogOnce();
  setLogLevel('warn');
});

test('all definitions by default', () => {
  const { value, lines } = capture(() => selectDefinitions(defs, { enabledInstrumentations: undefined, disabledInstrumentations: [] }));
  assert.deepEqual(ids(value), ['http', 'pg', 'express', 'undici']);
  assert.deepEqual(lines, []);
});

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS keeps only the listed ids', () => {
  const { value } = capture(() => selectDefinitions(defs, { enabledInstrumentations: ['pg', ' HTTP '], disabledInstrumentations: [] }));
  assert.deepEqual(ids(value), ['http', 'pg']);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS removes ids, and wins over the enabled list', () => {
  const { value } = capture(() =>
    selectDefinitions(defs, { enabledInstrumentations: ['http', 'pg'], disabledInstrumentations: ['pg'] }),
  );
  assert.deepEqual(ids(value), ['http']);
  const all = capture(() => selectDefinitions(defs, { enabledInstrumentations: undefined, disabledInstrumentations: ['express'] }));
  assert.deepEqual(ids(all.value), ['http', 'pg', 'undici']);
});

test('the contrib package names are accepted', () => {
  const { value, lines } = capture(() =>
    selectDefinitions(defs, { enabledInstrumentations: undefined, disabledInstrumentations: ['@opentelemetry/instrumentation-express'] }),
  );
  assert.deepEqual(ids(value), ['http', 'pg', 'undici']);
  assert.deepEqual(lines, []);
});

test('an unknown id warns once, however often selection runs', () => {
  const config = { enabledInstrumentations: ['http', 'mongodb'], disabledInstrumentations: ['redis'] };
  const first = capture(() => selectDefinitions(defs, config));
  const second = capture(() => selectDefinitions(defs, config));
  assert.deepEqual(ids(first.value), ['http']);
  assert.equal(first.lines.length, 2);
  assert.match(first.lines[0], /OTELI_W_UNKNOWN_INSTRUMENTATION.*OTEL_NODE_ENABLED_INSTRUMENTATIONS.*"mongodb"/);
  assert.match(first.lines[1], /OTELI_W_UNKNOWN_INSTRUMENTATION.*OTEL_NODE_DISABLED_INSTRUMENTATIONS.*"redis"/);
  assert.deepEqual(second.lines, []);
});

test('a disabled instrumentation says why at debug level', () => {
  setLogLevel('debug');
  const { lines } = capture(() => selectDefinitions(defs, { enabledInstrumentations: ['http'], disabledInstrumentations: ['express'] }));
  assert.ok(lines.some((l) => /debug: instrumentation express off: listed in OTEL_NODE_DISABLED_INSTRUMENTATIONS/.test(l)));
  assert.ok(lines.some((l) => /debug: instrumentation pg off: not listed in OTEL_NODE_ENABLED_INSTRUMENTATIONS/.test(l)));
});

test('module names: builtins without node:, once each; file targets become URL patterns for the loader', () => {
  assert.deepEqual(targetModuleNames(defs), ['http', 'https', 'pg', 'express']);
  const include = loaderIncludeList(defs);
  assert.deepEqual(include.slice(0, 4), ['http', 'https', 'pg', 'express']);
  assert.equal(include.length, 5);
  const pattern = include[4];
  assert.ok(pattern instanceof RegExp);
  assert.ok(pattern.test('file:///app/node_modules/pg/lib/client.js'));
  assert.ok(!pattern.test('file:///app/node_modules/pg/lib/client.json'));
  assert.ok(!pattern.test('file:///app/node_modules/pgx/lib/client.js'));
  assert.equal(targetFileName('./lib\\client.js'), 'lib/client.js');
  assert.equal(targetFileName(undefined), undefined);
});
