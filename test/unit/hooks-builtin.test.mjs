import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { builtinName, hookGetBuiltinModule } = require('../../dist/hooks/builtin.js');
const { setLogLevel } = require('../../dist/log.js');

setLogLevel('none');

test('builtinName strips node: where the bare name is a builtin', () => {
  assert.equal(builtinName('http'), 'http');
  assert.equal(builtinName('node:http'), 'http');
  assert.equal(builtinName('node:test'), 'node:test');
  assert.equal(builtinName('express'), undefined);
  assert.equal(builtinName('node:nope'), undefined);
});

test('process.getBuiltinModule is wrapped once; only listed builtins go through the callback', { skip: typeof process.getBuiltinModule !== 'function' }, () => {
  const original = process.getBuiltinModule;
  const seen = [];
  const replacement = { replaced: true };
  try {
    hookGetBuiltinModule(new Set(['os']), (exports, name) => {
      seen.push(name);
      return replacement;
    });
    const wrapped = process.getBuiltinModule;
    assert.notEqual(wrapped, original);
    hookGetBuiltinModule(new Set(['os']), () => {
      throw new Error('second wrapper must not be installed');
    });
    assert.equal(process.getBuiltinModule, wrapped, 'idempotent');

    assert.equal(process.getBuiltinModule('node:os'), replacement);
    assert.equal(process.getBuiltinModule('os'), replacement);
    assert.equal(process.getBuiltinModule('path'), original('path'));
    assert.equal(process.getBuiltinModule('not-a-builtin'), undefined);
    assert.deepEqual(seen, ['os', 'os']);
  } finally {
    process.getBuiltinModule = original;
  }
});

test('a throwing callback hands out the unpatched builtin', { skip: typeof process.getBuiltinModule !== 'function' }, () => {
  const original = process.getBuiltinModule;
  try {
    hookGetBuiltinModule(new Set(['os']), () => {
      throw new Error('boom');
    });
    assert.equal(process.getBuiltinModule('os'), original('os'));
  } finally {
    process.getBuiltinModule = original;
  }
});
