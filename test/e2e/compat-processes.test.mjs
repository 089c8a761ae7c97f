// Process shapes (issue #24): cluster workers, child_process.fork and spawn('node') children are
// traced, each process with its own process.pid and service.instance.id in the resource, and a
// daemonised child keeps exporting after its parent has exited. (Worker threads are not traced:
// test/e2e/preload.test.mjs.) The apps are the reference app (test/helpers/compat.mjs), installed
// by npm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../fixtures/http/harness.mjs';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { postgresEnv } from '../helpers/postgres.mjs';
import { receiverEnv, spawnCli } from '../helpers/run-cli.mjs';
import { REFERENCE_DEPENDENCIES, REFERENCE_SPAN_COUNT, assertReferenceTrace, copyReferenceApp, withoutBuiltinMiddleware } from '../helpers/compat.mjs';
import { installedApp } from '../helpers/temp-install.mjs';

const APP = { 'package.json': { name: 'compat-app', version: '1.0.0', private: true, dependencies: REFERENCE_DEPENDENCIES } };

async function app() {
  const dir = await installedApp('npm', APP);
  copyReferenceApp(dir, ['app.cjs', 'parent.cjs', 'cluster.cjs', 'daemon.cjs']);
  return dir;
}

async function receiverFor(t) {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  return { receiver, env: { ...receiverEnv(receiver), ...(await postgresEnv()) } };
}

const pidOf = (span) => span.resource.attributes['process.pid'];
const instanceOf = (span) => span.resource.attributes['service.instance.id'];

/** Each process has one service.instance.id, and no two processes share one. */
function assertOneInstanceIdPerProcess(spans) {
  const byPid = new Map();
  for (const s of spans) byPid.set(pidOf(s), new Set([...(byPid.get(pidOf(s)) ?? []), instanceOf(s)]));
  for (const [pid, ids] of byPid) assert.equal(ids.size, 1, `process ${pid} has one service.instance.id`);
  const all = [...byPid.values()].map((ids) => [...ids][0]);
  assert.equal(new Set(all).size, all.length, `each process its own service.instance.id: ${JSON.stringify([...byPid])}`);
  return byPid;
}

for (const how of ['fork', 'spawn']) {
  test(`child_process.${how === 'fork' ? "fork('app.cjs')" : "spawn('node', ['app.cjs'])"}: the child is traced as its own process, under the parent's CLIENT span`, { timeout: 240000 }, async (t) => {
    const dir = await app();
    const { receiver, env } = await receiverFor(t);
    const run = await spawnCli(['node', 'parent.cjs', how], { cwd: dir, env }).result;
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /OTELI_[WE]_/, run.stderr);
    const [, parentPid, childPid] = /parent (\d+) child (\d+)/.exec(run.stdout).map(Number);
    const spans = await receiver.waitForSpans(REFERENCE_SPAN_COUNT + 1);
    // GET (CLIENT)                        the parent's fetch
    // └─ GET /users/:id (SERVER)          the child: the reference trace
    //    └─ …
    const parentSpans = spans.filter((s) => pidOf(s) === parentPid);
    assert.deepEqual(parentSpans.map((s) => `${s.name} (${s.kind})`), ['GET (CLIENT)']);
    const childSpans = spans.filter((s) => pidOf(s) === childPid);
    assertReferenceTrace(childSpans, { pid: childPid });
    const root = childSpans.find((s) => s.name === 'GET /users/:id');
    assert.equal(root.parentSpanId, parentSpans[0].spanId);
    assert.equal(root.traceId, parentSpans[0].traceId);
    assertOneInstanceIdPerProcess(spans);
  });
}

test('cluster: a primary and two workers sharing a port; each worker traced with its own pid and service.instance.id', { timeout: 240000 }, async (t) => {
  const dir = await app();
  const { receiver, env } = await receiverFor(t);
  const primary = spawnCli(['node', 'cluster.cjs'], { cwd: dir, env });
  const [, , ...workerPids] = (await primary.waitForOutput(/cluster ready (\d+) (\d+) (\d+)/)).map(Number);
  const port = Number((await primary.waitForOutput(/cluster ready (\d+)/))[1]);
  // One request per worker: each answers one, then leaves; the second request goes to whichever
  // is still there.
  const first = JSON.parse((await send(port, '/users/7')).body);
  await receiver.waitForSpans((spans) => spans.some((s) => s.name === 'GET /users/:id'));
  const second = JSON.parse((await send(port, '/users/7')).body);
  const run = await primary.result;
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /OTELI_[WE]_/, run.stderr);
  assert.deepEqual([first.pid, second.pid].sort(), [...workerPids].sort(), 'each worker answered one request');

  await receiver.waitForSpans((spans) => withoutBuiltinMiddleware(spans).length >= 2 * REFERENCE_SPAN_COUNT);
  const spans = receiver.spans;
  const traces = [...new Set(spans.map((s) => s.traceId))];
  assert.equal(traces.length, 2);
  // Each trace is the reference trace; its /health call may have reached the other worker.
  for (const traceId of traces) assertReferenceTrace(spans.filter((s) => s.traceId === traceId), { oneProcess: false });
  const byPid = assertOneInstanceIdPerProcess(spans);
  assert.deepEqual([...byPid.keys()].sort(), [...workerPids].sort(), 'spans only from the workers');
  for (const server of spans.filter((s) => s.name === 'GET /users/:id')) {
    assert.ok(workerPids.includes(pidOf(server)));
  }
});

test('a daemonised child (detached, unref, its own session) keeps exporting after its parent has exited', { timeout: 240000 }, async (t) => {
  const dir = await app();
  const { receiver, env } = await receiverFor(t);
  const logDir = mkdtempSync(join(tmpdir(), 'oteli-daemon-'));
  const log = join(logDir, 'daemon.log');
  let daemonPid;
  t.after(() => {
    try {
      if (daemonPid) process.kill(daemonPid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
    rmSync(logDir, { recursive: true, force: true });
  });
  const started = Date.now();
  const run = await spawnCli(['node', 'daemon.cjs', log], { cwd: dir, env }).result;
  assert.equal(run.code, 0, run.stderr);
  // The launcher does not wait for the daemon (which holds none of its pipes).
  assert.ok(Date.now() - started < 10000, `the CLI returned after ${Date.now() - started} ms`);
  const [, parentPid, pid] = /parent (\d+) daemon (\d+)/.exec(run.stdout).map(Number);
  daemonPid = pid;
  assert.throws(() => process.kill(parentPid, 0), { code: 'ESRCH' }, 'the parent is gone');

  let port;
  for (let i = 0; i < 200 && port === undefined; i++) {
    port = existsSync(log) ? /listening (\d+)/.exec(readFileSync(log, 'utf8'))?.[1] : undefined;
    if (port === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(port, `the daemon is listening: ${existsSync(log) ? readFileSync(log, 'utf8') : 'no log'}`);
  const answer = JSON.parse((await send(Number(port), '/users/7')).body);
  assert.equal(answer.pid, daemonPid);
  const spans = await receiver.waitForSpans((all) => withoutBuiltinMiddleware(all).length >= REFERENCE_SPAN_COUNT);
  assertReferenceTrace(spans, { pid: daemonPid });
  assert.doesNotMatch(readFileSync(log, 'utf8'), /OTELI_[WE]_/);
});
