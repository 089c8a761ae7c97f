// Which Node.js runs the suite. The tests spawn process.execPath for the CLI and test programs,
// and the CLI starts the command it is given (`node app.js`) from PATH: both must be the Node.js
// under test, or an e2e test silently checks another version. CI runs the suite on other Node.js
// versions by putting their bin directory first in PATH (.ci/run, scripts/ci-node.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeModule from 'node:module';

test('`node` on PATH is the Node.js running the tests', () => {
  const child = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(
    child.stdout.trim(),
    process.version,
    `the CLI would run fixtures on ${child.stdout.trim()}, the tests run on ${process.version} (${process.execPath}); put its bin directory first in PATH`,
  );
});

test('CI_NODE_MAJOR: the suite runs on the Node.js major CI installed', { skip: process.env.CI_NODE_MAJOR === undefined }, () => {
  assert.equal(process.versions.node.split('.')[0], process.env.CI_NODE_MAJOR);
});

test('what the hook layer uses exists: module.register (engines >=20.6), process.getBuiltinModule from 20.16', () => {
  assert.equal(typeof nodeModule.register, 'function');
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 20 || minor >= 16) assert.equal(typeof process.getBuiltinModule, 'function');
  // module.registerHooks arrived in 22.15 / 23.5; src/hooks/esm-loader.mts prefers it where iitm can use it.
  if (major >= 24 || (major === 22 && minor >= 15)) assert.equal(typeof nodeModule.registerHooks, 'function');
});

test('unsupportedNodeMessage: a line for Node.js < 20.6 (engines.node), nothing from 20.6 on', async () => {
  const { createRequire } = await import('node:module');
  const { unsupportedNodeMessage, MIN_NODE } = createRequire(import.meta.url)('../../dist/node-support.js');
  const { engines } = createRequire(import.meta.url)('../../package.json');
  assert.equal(engines.node, `>=${MIN_NODE.major}.${MIN_NODE.minor}`);
  for (const old of ['16.20.2', '18.20.8', '19.9.0', '20.0.0', '20.5.1']) {
    assert.match(unsupportedNodeMessage(old), new RegExp(`^warn OTELI_W_NODE_UNSUPPORTED: Node\\.js v${old.replaceAll('.', '\\.')} is not supported \\(otel-instrument needs >= 20\\.6\\); the app runs untraced$`));
  }
  for (const ok of ['20.6.0', '20.20.2', '21.0.0', '22.0.0', '24.22.3', '26.12.1', '100.0.0']) assert.equal(unsupportedNodeMessage(ok), undefined, ok);
  assert.equal(unsupportedNodeMessage(), undefined, 'the Node.js running the tests is supported');
});
