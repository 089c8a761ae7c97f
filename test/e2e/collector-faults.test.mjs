// A dead, failing or refusing collector never breaks the app, never hangs its exit, and the
// retry rules of the OTLP exporter spec hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';
import { unusedPort } from '../helpers/listen.mjs';

const fixture = (name) => join(FIXTURES, 'basic', name);

/**
 * What "at once" means for a hello-world run under the CLI: start-up plus one failed export,
 * with room for a loaded CI machine. An exit held for a backoff or a timeout (seconds to a
 * minute here) is far beyond it. A bound on behaviour, not a benchmark.
 */
const AT_ONCE_MS = 3000;

async function timed(promise) {
  const started = performance.now();
  const result = await promise;
  return { ...result, elapsedMs: performance.now() - started };
}


test('collector down (closed port): the app exits at once with one warning, not after the shutdown timeout', async () => {
  const port = await unusedPort();
  // A shutdown timeout longer than runCli's own 30 s limit: holding the exit for the exporter's
  // backoff would fail this test. A refused connection at exit is final.
  const run = await timed(
    runCli(['node', fixture('hello.js')], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_NODE_SHUTDOWN_TIMEOUT: '60000',
        OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
      },
    }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.elapsedMs < AT_ONCE_MS, `exited after ${Math.round(run.elapsedMs)} ms`);
  assert.equal(run.stdout, 'hello, world\n');
  const warnings = run.stderr.split('\n').filter((line) => /\b(warn|error)\b/.test(line));
  assert.equal(warnings.length, 1, `one warning line:\n${run.stderr}`);
  assert.match(warnings[0], /OTELI_W_EXPORT_FAILED: exporting spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed: ECONNREFUSED/);
});

test('a collector that drops connections: at exit one attempt, no backoff retries holding the app', async (t) => {
  let connections = 0;
  const dropping = createServer((socket) => {
    connections++;
    socket.on('error', () => {});
    socket.destroy();
  });
  dropping.listen(0, '127.0.0.1');
  await once(dropping, 'listening');
  t.after(() => dropping.close());
  const run = await timed(
    runCli(['node', fixture('hello.js')], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dropping.address().port}`,
        OTEL_NODE_SHUTDOWN_TIMEOUT: '60000',
        OTEL_BSP_SCHEDULE_DELAY: '60000', // the only export is the one at exit
      },
    }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.elapsedMs < AT_ONCE_MS, `exited after ${Math.round(run.elapsedMs)} ms`);
  assert.equal(connections, 1, 'a failed connection at exit is not retried');
  assert.match(run.stderr, /OTELI_W_EXPORT_FAILED: .* failed: (ECONNRESET|EPIPE)/);
});

test('a collector that accepts connections but never answers: the exit is held no longer than OTEL_NODE_SHUTDOWN_TIMEOUT', async (t) => {
  const silent = createServer((socket) => socket.on('error', () => {}));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => silent.close());
  const run = await timed(
    runCli(['node', fixture('hello.js')], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${silent.address().port}`, OTEL_NODE_SHUTDOWN_TIMEOUT: '1000' },
    }),
  );
  assert.equal(run.code, 0, run.stderr);
  // Held for the timeout (the exporter waited), and not much longer.
  assert.ok(run.elapsedMs >= 1000 && run.elapsedMs < 1000 + AT_ONCE_MS, `exited after ${Math.round(run.elapsedMs)} ms`);
  const warnings = run.stderr.split('\n').filter((line) => /\b(warn|error)\b/.test(line));
  assert.equal(warnings.length, 1, run.stderr);
  assert.match(warnings[0], /OTELI_W_SHUTDOWN_TIMEOUT: 2 spans not delivered within 1000 ms/);
});

test('collector answers 503 then 200: the batch is retried and delivered', async (t) => {
  const receiver = await startReceiver({ responses: [{ status: 503, headers: { 'retry-after': '0' } }] });
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
  assert.deepEqual(receiver.requests.map((r) => r.status), [503, 200]);
});

test('collector answers 400: no retry, one warning, the app is unaffected', async (t) => {
  const receiver = await startReceiver({ responses: [{ status: 400, body: 'bad request' }] });
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  assert.deepEqual(receiver.requests.map((r) => r.status), [400]);
  assert.equal(run.stderr.match(/HTTP 400/g)?.length, 1, run.stderr);
});

test('a collector answering garbage (not HTTP): the app is unaffected and exits at once, one warning', async (t) => {
  const garbage = createServer((socket) => {
    socket.on('error', () => {});
    socket.end('\x00\xffthis is not http\r\n\r\n');
  });
  garbage.listen(0, '127.0.0.1');
  await once(garbage, 'listening');
  t.after(() => garbage.close());
  const run = await timed(
    runCli(['node', fixture('hello.js')], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${garbage.address().port}`, OTEL_NODE_SHUTDOWN_TIMEOUT: '60000' },
    }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  // An answer that is not HTTP is final: no retry, no wait for the shutdown timeout.
  assert.ok(run.elapsedMs < AT_ONCE_MS, `exited after ${Math.round(run.elapsedMs)} ms`);
  const warnings = run.stderr.split('\n').filter((line) => /\b(warn|error)\b/.test(line));
  assert.equal(warnings.length, 1, run.stderr);
  assert.match(warnings[0], /OTELI_W_EXPORT_FAILED: exporting spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed: HPE_INVALID_CONSTANT/);
});

test('bad settings: one warning line each, defaults used, spans still delivered', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], {
    env: receiverEnv(receiver, {
      OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '7',
      OTEL_PROPAGATORS: 'tracecontext,carrier-pigeon',
      OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign,ok=1',
    }),
  });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
  const warnings = run.stderr.split('\n').filter((line) => /\bwarn\b/.test(line));
  for (const name of ['OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_TRACES_SAMPLER', 'OTEL_PROPAGATORS', 'OTEL_EXPORTER_OTLP_HEADERS']) {
    assert.equal(warnings.filter((w) => new RegExp(`OTELI_W_INVALID_ENV: ${name}[=:]`).test(w)).length, 1, `${name}:\n${run.stderr}`);
  }
  assert.equal(receiver.requests[0].headers.ok, '1');
});
