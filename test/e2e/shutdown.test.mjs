// Spans leave the process on every way out, and the way out stays the app's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, spawnCli, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';

const fixture = (name) => join(FIXTURES, 'basic', name);


/** The app died of `signal`, and so did the CLI in front of it (exec: the same process; spawn: re-raised). */
function assertDiedOf(run, signal) {
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: null, signal }, run.stderr);
}

for (const exitCode of [0, 3]) {
  test(`process.exit(${exitCode}) right after creating spans still delivers them, exit code kept`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    // A long schedule delay: only the exit-time flush can deliver these spans.
    const run = await runCli(['node', fixture('exit-now.js'), String(exitCode)], {
      env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    });
    assert.equal(run.code, exitCode, run.stderr);
    const spans = await receiver.waitForSpans(3);
    assert.deepEqual(spans.map((s) => s.name).sort(), ['before-exit-0', 'before-exit-1', 'before-exit-2']);
  });
}

test('a normal exit flushes what the batch timer has not sent yet', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], {
    env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }),
  });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
});

test('SIGTERM to a server without its own handler: spans delivered, dies of SIGTERM', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('long-running.js')], {
    env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }),
  });
  await child.waitForOutput(/ready \d+/);
  child.kill('SIGTERM');
  const run = await child.result;
  assertDiedOf(run, 'SIGTERM');
  const spans = await receiver.waitForSpans(1);
  assert.equal(spans[0].name, 'started');
});

test('SIGINT without an app handler: dies of SIGINT after the flush', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('long-running.js')], {
    env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }),
  });
  await child.waitForOutput(/ready/);
  child.kill('SIGINT');
  const run = await child.result;
  assertDiedOf(run, 'SIGINT');
  await receiver.waitForSpans(1);
});

test('an app that handles SIGTERM itself keeps control and exits its own way', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('handles-sigterm.js')], {
    env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }),
  });
  await child.waitForOutput(/ready/);
  child.kill('SIGTERM');
  const run = await child.result;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /app got SIGTERM/);
  const spans = await receiver.waitForSpans(1);
  assert.equal(spans[0].name, 'cleanup');
});

test('the server keeps serving until the signal, then stops accepting', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('long-running.js')], { env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }) });
  const [, port] = await child.waitForOutput(/ready (\d+)/);
  const get = () =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d)).on('end', () => resolve(data));
      }).on('error', reject).end();
    });
  assert.equal(await get(), 'ok');
  child.kill('SIGTERM');
  const run = await child.result;
  assertDiedOf(run, 'SIGTERM');
  // The request served before the signal was flushed on the way out...
  const spans = await receiver.waitForSpans(2);
  assert.deepEqual(spans.map((s) => `${s.name} (${s.kind})`).sort(), ['GET (SERVER)', 'started (INTERNAL)']);
  // ...and nothing listens any more: the agent kept no server alive.
  await assert.rejects(get(), { code: 'ECONNREFUSED' });
});

test("the app's beforeExit listener runs once, as without us, and the spans still leave", async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('before-exit-listener.js')], {
    env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }),
  });
  assert.equal(run.code, 3, run.stderr);
  // Our flush runs in a 'beforeExit' held back from the app; the app sees only the next one.
  assert.equal(run.stdout, 'beforeExit 1 3\n');
  const spans = await receiver.waitForSpans(1);
  assert.deepEqual(spans.map((s) => s.name), ['before-exit-listener']);
});

for (const pending of [false, true]) {
  test(`a SIGTERM that comes during the app's last callback still kills it (dies of it)${pending ? ', after the flush' : ''}`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const dir = mkdtempSync(join(tmpdir(), 'oteli-busy-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const flag = join(dir, 'flag');
    const child = spawnCli(['node', fixture('busy-until-flag.js'), flag], {
      env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000', SPAN: pending ? '1' : '0' }),
    });
    const [, pid] = await child.waitForOutput(/busy (\d+)/);
    // To the app itself, not the CLI: the signal is pending while the app's callback runs; the
    // flag then ends that callback, and with it the app's last work.
    process.kill(Number(pid), 'SIGTERM');
    writeFileSync(flag, '');
    const run = await child.result;
    assertDiedOf(run, 'SIGTERM');
    if (pending) assert.deepEqual((await receiver.waitForSpans(1)).map((s) => s.name), ['busy']);
  });
}

test('a SIGTERM listener that re-raises only when it is the sole listener (signal-exit) still ends the app (dies of it)', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('sole-listener-sigterm.js')], {
    env: receiverEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    timeoutMs: 15000,
  });
  // The app sees its own listener only: ours stands aside while the app listens.
  await child.waitForOutput(/ready, SIGTERM listeners: 1\n/);
  child.kill('SIGTERM');
  const run = await child.result;
  assertDiedOf(run, 'SIGTERM');
  assert.match(run.stdout, /^cleanup$/m);
  // Its re-raised signal found our listener back in place: flushed, then died of it.
  assert.deepEqual((await receiver.waitForSpans(1)).map((s) => s.name), ['started']);
});

test('an ES module that awaits forceFlush after each piece of work is kept alive through every flush (not exit 13 mid-flush)', async (t) => {
  // A collector that takes its time: the flush outlasts the app's own work.
  const { createServer } = await import('node:http');
  const { listenOnLoopback } = await import('../helpers/listen.mjs');
  let exports = 0;
  const slow = createServer((req, res) => {
    req.resume().on('end', () => setTimeout(() => (exports++, res.writeHead(200).end()), 300));
  });
  const { url } = await listenOnLoopback(slow);
  t.after(() => slow.close());
  const run = await runCli(['node', join(FIXTURES, 'faults', 'await-force-flush.mjs')], {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRICS_EXPORTER: 'none' },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'flushed 5 times\n');
  assert.equal(exports, 5, 'each awaited flush delivered its span; the exit had nothing left to send');
});
