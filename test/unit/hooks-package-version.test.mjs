import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fixtures } from '../fixtures/hooks/run-program.mjs';

const require = createRequire(import.meta.url);
const { packageVersion, packageBasedir } = require('../../dist/hooks/package-version.js');
const { setLogLevel } = require('../../dist/log.js');

setLogLevel('none');
const nm = join(fixtures, 'node_modules');

test('packageVersion reads the version at the package base directory', () => {
  assert.equal(packageVersion(join(nm, 'fake-cjs')), '2.3.0');
  assert.equal(packageVersion(join(nm, 'fake-esm')), '1.4.0');
});

test('packageVersion is undefined without a readable package.json or basedir', () => {
  assert.equal(packageVersion(join(nm, 'does-not-exist')), undefined);
  assert.equal(packageVersion(undefined), undefined);
});

test('packageBasedir finds the package of a file, scoped or not', () => {
  assert.equal(packageBasedir(join(nm, 'fake-cjs', 'lib', 'client.js')), join(nm, 'fake-cjs'));
  assert.equal(packageBasedir(`${sep}app${sep}node_modules${sep}@scope${sep}pkg${sep}index.js`), `${sep}app${sep}node_modules${sep}@scope${sep}pkg`);
  assert.equal(
    packageBasedir(`${sep}a${sep}node_modules${sep}x${sep}node_modules${sep}y${sep}lib${sep}z.js`),
    `${sep}a${sep}node_modules${sep}x${sep}node_modules${sep}y`,
  );
  assert.equal(packageBasedir(`${sep}app${sep}src${sep}index.js`), undefined);
});
