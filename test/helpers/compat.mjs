// One reference app (test/fixtures/compat/app.*: express + pg + fetch) and one assertion of "the
// same trace as the plain CommonJS app", shared by every layout, process shape and loader test.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { send } from '../fixtures/http/harness.mjs';
import { startReceiver } from './otlp-receiver.mjs';
import { postgresEnv } from './postgres.mjs';
import { FIXTURES, receiverEnv, spawnProcess } from './run-cli.mjs';
import { drawTree } from './trace-tree.mjs';

export const COMPAT_FIXTURES = join(FIXTURES, 'compat');

/** The reference app's package.json dependencies: what every layout installs. */
export const REFERENCE_DEPENDENCIES = { express: '5.3.0', pg: '8.23.1' };

// GET /users/:id (SERVER)                            http, named by express
// └─ request handler - /users/:id (INTERNAL)         express
//    ├─ pg-pool.connect (INTERNAL)                   pg-pool
//    │  └─ pg.connect (CLIENT)                       pg
//    ├─ SELECT (CLIENT)                              pg
//    └─ GET (CLIENT)                                 fetch (undici channels)
//       └─ GET /health (SERVER)                      http, named by express
//          └─ request handler - /health (INTERNAL)
export const REFERENCE_TREE = [
  'GET /users/:id (SERVER)',
  '└─ request handler - /users/:id (INTERNAL)',
  '   ├─ pg-pool.connect (INTERNAL)',
  '   │  └─ pg.connect (CLIENT)',
  '   ├─ SELECT (CLIENT)',
  '   └─ GET (CLIENT)',
  '      └─ GET /health (SERVER)',
  '         └─ request handler - /health (INTERNAL)',
].join('\n');
export const REFERENCE_SPAN_COUNT = 8;

// express 4 adds two middleware of its own to every app (express 5 has none); they are the only
// difference between the majors in this app, so the comparison leaves them out.
const EXPRESS4_BUILTIN_MIDDLEWARE = new Set(['middleware - query', 'middleware - expressInit']);

/** The spans of one reference request, without express 4's built-in middleware. */
export function withoutBuiltinMiddleware(spans) {
  return spans.filter((s) => !EXPRESS4_BUILTIN_MIDDLEWARE.has(s.name));
}

/**
 * Asserts the reference trace: its shape, and the attributes each instrumentation is there for.
 * `pid`: the process that must have emitted every span (its resource's process.pid).
 * `oneProcess: false` for a trace whose /health call may reach another process (cluster workers).
 */
export function assertReferenceTrace(allSpans, { pid, oneProcess = true } = {}) {
  const spans = withoutBuiltinMiddleware(allSpans);
  assert.equal(drawTree(spans), REFERENCE_TREE);
  const [traceId] = new Set(spans.map((s) => s.traceId));
  assert.ok(spans.every((s) => s.traceId === traceId), 'one trace');
  const byName = (name) => spans.find((s) => s.name === name);
  const server = byName('GET /users/:id');
  assert.equal(server.attributes['http.route'], '/users/:id');
  assert.equal(server.attributes['url.path'], '/users/7');
  assert.equal(server.attributes['http.response.status_code'], 200);
  assert.equal(server.scope.name, 'otel-instrument/http');
  assert.equal(byName('request handler - /users/:id').scope.name, 'otel-instrument/express');
  const select = byName('SELECT');
  assert.equal(select.scope.name, 'otel-instrument/pg');
  assert.equal(select.attributes['db.system.name'], 'postgresql');
  assert.equal(select.attributes['db.query.text'], 'SELECT $1::int AS id');
  const fetchSpan = spans.find((s) => s.kind === 'CLIENT' && s.name === 'GET');
  assert.equal(fetchSpan.scope.name, 'otel-instrument/undici');
  assert.match(fetchSpan.attributes['url.full'], /^http:\/\/127\.0\.0\.1:\d+\/health$/);
  assert.equal(byName('GET /health').attributes['http.route'], '/health');
  const resources = new Set(spans.map((s) => JSON.stringify(s.resource.attributes)));
  if (oneProcess) assert.equal(resources.size, 1, 'one process emitted the trace');
  const resource = spans[0].resource.attributes;
  assert.equal(resource['telemetry.sdk.name'], 'otel-instrument');
  if (pid !== undefined) assert.equal(resource['process.pid'], pid);
}

/** Copies reference app files (test/fixtures/compat/<name>) into an installed app folder. */
export function copyReferenceApp(dir, names = ['app.cjs', 'app.mjs']) {
  for (const name of names) copyFileSync(join(COMPAT_FIXTURES, name), join(dir, name));
}

/**
 * Runs `command args` (the CLI, or node with a preload) on a reference app, sends GET /users/7,
 * and resolves with { spans, run, pid } once the app has exited and its trace arrived. Asserts
 * the app answered as without us, exited 0, and printed no warning of ours unless `allowWarnings`.
 */
export async function runReferenceApp(command, args, { cwd, env = {}, spanCount = REFERENCE_SPAN_COUNT, allowWarnings = false, timeoutMs = 30000 } = {}) {
  assert.ok(cwd === undefined || existsSync(cwd), `no such folder ${cwd}`);
  const receiver = await startReceiver();
  try {
    const child = spawnProcess(command, args, { cwd, env: { ...receiverEnv(receiver), ...(await postgresEnv()), ...env }, timeoutMs });
    const [, port] = await child.waitForOutput(/listening (\d+)/).catch(async (err) => {
      const ended = await child.result;
      throw new Error(`${err.message}\nexit ${ended.code}\n${ended.stdout}\n${ended.stderr}`);
    });
    const response = await send(Number(port), '/users/7');
    const body = JSON.parse(response.body);
    assert.deepEqual({ id: body.id, health: body.health }, { id: 7, health: 'ok' }, response.body);
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    if (!allowWarnings) assert.doesNotMatch(run.stderr, /OTELI_[WE]_/, run.stderr);
    await receiver.waitForSpans((spans) => withoutBuiltinMiddleware(spans).length >= spanCount);
    return { spans: receiver.spans, run, pid: body.pid };
  } finally {
    await receiver.close();
  }
}
