// What the agent loads before the app runs (issue #23's start-up budget): nothing a span needs
// only once it exists. node:crypto (ids, service.instance.id) and node:perf_hooks (the span clock)
// load at the first span, not at start; @opentelemetry/api runs from the preload's bundle, not as
// ~45 files from node_modules. Through the CLI and both preload flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, REGISTER_CJS, REGISTER_MJS, runCli, runNode } from '../helpers/run-cli.mjs';

const APP = join(FIXTURES, 'basic', 'print-startup-footprint.js');
const ENV = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };

const ROUTES = [
  { how: 'otel-instrument node app.js', run: () => runCli(['node', APP], { env: ENV }) },
  { how: 'node --import otel-instrument/register', run: () => runNode(['--import', REGISTER_MJS, APP], { env: ENV }) },
  { how: 'node --require otel-instrument/register', run: () => runNode(['--require', REGISTER_CJS, APP], { env: ENV }) },
];

const bare = JSON.parse((await runNode([APP])).stdout);

for (const { how, run } of ROUTES) {
  test(`${how}: no node:crypto, no node:perf_hooks and no @opentelemetry/api file loaded before the app runs`, async () => {
    const result = await run();
    assert.equal(result.code, 0, result.stderr);
    const { builtins, fromNodeModules } = JSON.parse(result.stdout.trim().split('\n').pop());
    // The agent did start: its context manager's builtin is there.
    assert.ok(builtins.includes('internal/async_local_storage/async_context_frame') || builtins.includes('async_hooks'), builtins.join(' '));
    const added = builtins.filter((b) => !bare.builtins.includes(b));
    for (const lazy of ['crypto', 'internal/crypto/random', 'perf_hooks', 'internal/perf/performance']) {
      assert.equal(added.includes(lazy), false, `${lazy} was loaded at start (added: ${added.join(' ')})`);
    }
    assert.deepEqual(fromNodeModules.filter((f) => f.startsWith('@opentelemetry/api/')), []);
  });
}
