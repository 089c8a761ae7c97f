// With the collector down or silent for a long stretch, nothing the agent keeps grows with the
// spans the app makes, the loss is counted and said once per interval, and export resumes, without
// a restart, when the collector is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { agentWarnings, runCli, spawnCli, FIXTURES } from '../helpers/run-cli.mjs';
import { listenOnLoopback, unusedPort } from '../helpers/listen.mjs';

const FLOOD = join(FIXTURES, 'faults', 'span-flood.js');

/** A bound on behaviour: a queue that kept every span (300,000 × ~1 KB) would add hundreds of MiB. */
const RSS_GROWTH_BOUND_MIB = 40;

const rssFigures = (stdout) => stdout.trim().split('\n').map((line) => JSON.parse(line));

async function silentCollector(t) {
  const server = createNetServer((socket) => socket.on('error', () => {}));
  const { url } = await listenOnLoopback(server);
  t.after(() => server.close());
  return url;
}

for (const [trouble, endpointFor] of [
  ['down', async () => `http://127.0.0.1:${await unusedPort()}`],
  ['silent (accepts, never answers)', silentCollector],
]) {
  test(`collector ${trouble}: RSS stays flat over 300,000 spans, the loss is counted once per OTEL_NODE_LOSS_REPORT_INTERVAL and in total at exit`, async (t) => {
    const started = performance.now();
    const run = await runCli(['node', FLOOD], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: await endpointFor(t),
        OTEL_NODE_LOSS_REPORT_INTERVAL: '1000',
        OTEL_NODE_SHUTDOWN_TIMEOUT: '1000',
        OTEL_METRICS_EXPORTER: 'none',
      },
      timeoutMs: 120000,
    });
    const elapsedS = (performance.now() - started) / 1000;
    assert.equal(run.code, 0, run.stderr);
    const figures = rssFigures(run.stdout);
    assert.equal(figures.at(-1).spans, 300000);
    // After the first tenth the queue is full and the exporter at its steady state.
    const growth = figures.at(-1).rssMiB - figures[0].rssMiB;
    assert.ok(growth < RSS_GROWTH_BOUND_MIB, `RSS grew ${growth} MiB: ${run.stdout}`);

    const reports = run.stderr.split('\n').filter((line) => line.includes('OTELI_W_SPANS_LOST'));
    // One line per interval at most, plus the totals at exit (the queue overflowed).
    assert.ok(reports.length >= 1 && reports.length <= Math.ceil(elapsedS) + 1, `${reports.length} reports in ${elapsedS} s:\n${run.stderr}`);
    const atExit = reports.at(-1).match(/at exit, (\d+) created, (\d+) exported, (\d+) dropped \(queue full\), (\d+) in failed exports, (\d+) not delivered at exit/);
    assert.ok(atExit, run.stderr);
    const [created, exported, dropped, failed, pending] = atExit.slice(1).map(Number);
    assert.equal(created, 300000);
    assert.equal(exported, 0);
    assert.equal(exported + dropped + failed + pending, created);
    assert.ok(dropped > 290000, run.stderr);
    // Never one line per export or per span.
    assert.ok(agentWarnings(run.stderr).length <= reports.length + 4, run.stderr);
  });
}

test('the collector comes back: export resumes without a restart, and every span is accounted for', async (t) => {
  // The collector's port, free until the collector starts on it.
  const port = await unusedPort();
  const app = spawnCli(['node', join(FIXTURES, 'faults', 'ticker.js')], {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_LOG_LEVEL: 'debug',
      OTEL_METRICS_EXPORTER: 'none',
    },
    timeoutMs: 60000,
  });
  t.after(() => app.kill('SIGKILL'));
  await app.waitForOutput(/OTELI_W_EXPORT_FAILED: .*ECONNREFUSED/, { stream: 'stderr' });

  const receiver = await startReceiverOnPort(port);
  t.after(() => receiver.close());
  await receiver.waitForSpans(3, { timeoutMs: 20000 });
  app.kill('SIGTERM');
  const run = await app.result;
  assert.equal(run.signal, 'SIGTERM', run.stderr);
  const totals = run.stderr.match(/spans at exit: (\d+) created, (\d+) exported, (\d+) dropped \(queue full\), (\d+) in failed exports, (\d+) not delivered at exit/);
  assert.ok(totals, run.stderr);
  const [created, exported, dropped, failed, pending] = totals.slice(1).map(Number);
  // The first batch met the closed port until its retries ran out: lost, and counted as such.
  assert.ok(failed > 0, totals[0]);
  assert.equal(exported, receiver.spans.length);
  assert.equal(exported + dropped + failed + pending, created);
});

/** The in-test receiver, on a port chosen before it started (where the app already sends). */
async function startReceiverOnPort(port) {
  const receiver = await startReceiver({ port });
  assert.equal(receiver.port, port);
  return receiver;
}
