// What the agent loads before the app runs (issue #23's start-up budget): nothing a span needs
// only once it exists. node:crypto (ids, service.instance.id) and node:perf_hooks (the span clock)
// load at the first span, not at start; @opentelemetry/api runs from the preload's bundle, not as
// ~45 files from node_modules. The preamble line does not create process.stderr (node:stream
// and the rest of a stream's modules, ~2 ms), and the exit path does not load node:perf_hooks.
// No exporter transport or encoder of ours runs before there is something to export (they were
// 10M instructions of every `-e 0`). Through the CLI and both preload flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { IN_THREAD_ESM_LOADER } from '../helpers/esm-loader-path.mjs';
import { FIXTURES, REGISTER_CJS, REGISTER_MJS, ROOT, runCli, runNode } from '../helpers/run-cli.mjs';

const require = createRequire(import.meta.url);

const APP = join(FIXTURES, 'basic', 'print-startup-footprint.js');
// The preamble is printed (info), and both exporters are on, so the exit flushes two of them; no
// span or measurement is made, so nothing is sent to the endpoint, which nobody listens on.
const ENV = { OTEL_LOG_LEVEL: 'info', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };

// --import on a Node.js without the in-thread loader path runs module.register()'s loader thread,
// whose worker and message ports are streams: there node:stream comes with the loader.
const LOADER_THREAD = !IN_THREAD_ESM_LOADER;
const STREAMS = ['stream', 'internal/streams/writable'];
// Our modules that only an export needs (the transports, the encoders, the answer's reader), and
// a propagator the configuration does not name.
const EXPORT_MODULES = [
  'exporters/otlp-http-transport.js',
  'exporters/http-transport.js',
  'exporters/http1-connection.js',
  'exporters/sync-send.js',
  'exporters/gzip.js',
  'exporters/otlp-proto-encoder.js',
  'exporters/protobuf-writer.js',
  'exporters/otlp-json-encoder.js',
  'exporters/otlp-metrics-encoder.js',
  'exporters/partial-success.js',
  // Not in the default OTEL_PROPAGATORS.
  'sdk/propagators/b3.js',
];

const ROUTES = [
  { how: 'otel-instrument node app.js', run: () => runCli(['node', APP], { env: ENV }), loaderThread: LOADER_THREAD },
  { how: 'node --import otel-instrument/register', run: () => runNode(['--import', REGISTER_MJS, APP], { env: ENV }), loaderThread: LOADER_THREAD },
  { how: 'node --require otel-instrument/register', run: () => runNode(['--require', REGISTER_CJS, APP], { env: ENV }), loaderThread: false },
];

/** The app's two lines: what was loaded when it started, and at its exit. */
function footprint(stdout) {
  const lines = stdout.trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  return { ...lines.find((l) => l.builtins !== undefined), atExit: lines.find((l) => l.atExit !== undefined)?.atExit };
}

const bare = footprint((await runNode([APP])).stdout);

for (const { how, run, loaderThread } of ROUTES) {
  test(`${how}: no node:crypto, no node:perf_hooks, no node:stream, no @opentelemetry/api file and no exporter transport or encoder loaded before the app runs, and no node:perf_hooks at exit`, async () => {
    const result = await run();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /\[otel-instrument\] otel-instrument \S+ service=/, 'the preamble was printed');
    const { builtins, fromNodeModules, agentModules, atExit } = footprint(result.stdout);
    assert.ok(agentModules.includes('exporters/otlp-trace-exporter.js'), `the agent ran from its bundle: ${agentModules.join(' ')}`);
    assert.deepEqual(EXPORT_MODULES.filter((m) => agentModules.includes(m)), [], 'modules loaded at start that nothing needs yet');
    // The agent did start: its context manager's builtin is there.
    assert.ok(builtins.includes('internal/async_local_storage/async_context_frame') || builtins.includes('async_hooks'), builtins.join(' '));
    const added = builtins.filter((b) => !bare.builtins.includes(b));
    for (const lazy of ['crypto', 'internal/crypto/random', 'perf_hooks', 'internal/perf/performance', ...(loaderThread ? [] : STREAMS)]) {
      assert.equal(added.includes(lazy), false, `${lazy} was loaded at start (added: ${added.join(' ')})`);
    }
    const addedAtExit = atExit.filter((b) => !bare.atExit.includes(b));
    for (const lazy of ['perf_hooks', 'internal/perf/performance']) {
      assert.equal(addedAtExit.includes(lazy), false, `${lazy} was loaded by the exit (added by then: ${addedAtExit.join(' ')})`);
    }
    assert.deepEqual(fromNodeModules.filter((f) => f.startsWith('@opentelemetry/api/')), []);
  });
}

// One character beyond ASCII makes the whole source a two-byte string to V8, twice the bytes to
// read, compile and check against the code cache: 7 ms of every start on Node.js 24 when three
// comments had an arrow or a dash (scripts/bundle-preload.mjs escapes them).
test('the preload bundle that every start reads is ASCII only', () => {
  const bundle = readFileSync(join(ROOT, 'dist', 'agent', 'preload.bundle.js'));
  const wide = bundle.findIndex((byte) => byte > 0x7f);
  assert.equal(wide, -1, `a byte beyond ASCII at ${wide}: ${bundle.subarray(Math.max(0, wide - 60), wide + 20).toString()}`);
});

// The bundle file is the script V8 compiles, wrapped as a CommonJS module at build time: wrapping
// it at start made V8 copy the whole 640 KB source into a new string first (0.6-0.9 ms on Node 24).
test('the preload bundle is stored wrapped as a module, so a start compiles the file as read', () => {
  const { BUNDLE_WRAPPER } = require(join(ROOT, 'dist', 'agent', 'bundle-cache.js'));
  const bundle = readFileSync(join(ROOT, 'dist', 'agent', 'preload.bundle.js'), 'latin1');
  assert.ok(bundle.startsWith(BUNDLE_WRAPPER[0]), bundle.slice(0, 80));
  assert.match(bundle, /\n\}\);\n\/\/ otel-instrument bundle [0-9a-f]{16}\n$/);
});
