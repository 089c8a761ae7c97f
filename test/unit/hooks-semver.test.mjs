import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { satisfies, isValidRange, parseVersion, compareVersions } = require('../../dist/hooks/semver.js');

const cases = [
  // [version, range, expected]
  ['1.0.0', '*', true],
  ['0.0.1', '', true],
  ['5.99.1', '>=4 <6', true],
  ['4.0.0', '>=4 <6', true],
  ['6.0.0', '>=4 <6', false],
  ['3.9.9', '>=4 <6', false],
  ['8.0.3', '^8.0.3', true],
  ['8.11.0', '^8.0.3', true],
  ['8.0.2', '^8.0.3', false],
  ['9.0.0', '^8.0.3', false],
  ['0.2.5', '^0.2.3', true],
  ['0.3.0', '^0.2.3', false],
  ['0.0.3', '^0.0.3', true],
  ['0.0.4', '^0.0.3', false],
  ['1.2.0', '~1.2', true],
  ['1.2.9', '~1.2', true],
  ['1.3.0', '~1.2', false],
  ['1.2.4', '~1.2.3', true],
  ['1.9.0', '~1', true],
  ['2.0.0', '~1', false],
  ['4.17.21', '4.x', true],
  ['4.0.0', '4', true],
  ['5.0.0', '4.x', false],
  ['4.2.0', '4.2.*', true],
  ['4.3.0', '4.2.x', false],
  ['8.5.0', '>=8.0.3 <9 || 10', true],
  ['10.4.1', '>=8.0.3 <9 || 10', true],
  ['9.1.0', '>=8.0.3 <9 || 10', false],
  ['11.0.0', '>=8.0.3 <9 || 10', false],
  ['1.2.3', '1.2.3', true],
  ['1.2.4', '=1.2.3', false],
  ['2.0.0', '>1', true],
  ['1.9.9', '>1', false],
  ['1.2.4', '>1.2.3', true],
  ['1.9.9', '<=1', true],
  ['2.0.0', '<=1', false],
  ['1.5.0', '1.2 - 2.3', true],
  ['2.3.9', '1.2 - 2.3', true],
  ['2.4.0', '1.2 - 2.3', false],
  ['2.3.0', '1.2.0 - 2.3.0', true],
  ['2.3.1', '1.2.0 - 2.3.0', false],
  ['4.5.0', '>= 4 < 6', true],
  ['v4.5.0', '>=4', true],
  ['4.5.0+build.7', '>=4 <5', true],
];

test('satisfies() on the range shapes instrumentations declare', () => {
  for (const [version, range, expected] of cases) {
    assert.equal(satisfies(version, range), expected, `${version} in "${range}"`);
  }
});

test('prereleases count (includePrerelease), but not the next major\'s under a partial upper bound', () => {
  assert.equal(satisfies('8.1.0-rc.1', '>=8 <9'), true);
  assert.equal(satisfies('8.0.0-beta.2', '>=8'), true);
  assert.equal(satisfies('9.0.0-beta.1', '>=8 <9'), false);
  assert.equal(satisfies('9.0.0-beta.1', '^8.0.3'), false);
  assert.equal(satisfies('5.0.0-alpha.1', '4.x'), false);
  assert.equal(satisfies('5.0.0-alpha.1', '>=4 <6'), true);
  assert.equal(satisfies('1.2.3-rc.1', '1.2.3'), false);
  assert.equal(satisfies('1.2.3-rc.1', '1.2.3-rc.1'), true);
  assert.equal(satisfies('2.0.0-rc.1', '*'), true);
  // An explicit full upper bound admits that version's prereleases, as node-semver does.
  assert.equal(satisfies('9.0.0-rc.1', '<9.0.0'), true);
});

test('prerelease precedence follows semver §11', () => {
  const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
  for (let i = 1; i < order.length; i++) {
    assert.ok(compareVersions(parseVersion(order[i - 1]), parseVersion(order[i])) < 0, `${order[i - 1]} < ${order[i]}`);
  }
});

test('an invalid version or range never matches', () => {
  assert.equal(satisfies('not-a-version', '*'), false);
  assert.equal(satisfies('1.2', '*'), false);
  assert.equal(satisfies('1.2.3', 'latest'), false);
  assert.equal(satisfies('1.2.3', '>=1 <<2'), false);
  assert.equal(isValidRange('>=4 <6'), true);
  assert.equal(isValidRange('banana'), false);
});
