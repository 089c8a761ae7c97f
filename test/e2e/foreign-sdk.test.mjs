// The app brings its own tracing. Its own OpenTelemetry SDK: one OTELI_W_FOREIGN_SDK line, no
// crash, one SERVER span per request; spans the app makes through the API reach our exporter,
// spans from its own provider.getTracer() reach only its own exporter (still parented by our
// context). Its own http instrumentation: one OTELI_W_FOREIGN_INSTRUMENTATION line and ours
// stands down, whether it loads with the app or in a --require preload before us.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '../helpers/http-get.mjs';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { spawnCli, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';

const fixture = (name) => join(FIXTURES, 'foreign-sdk', name);


const warnings = (stderr) => stderr.split('\n').filter((l) => /OTELI_[WE]_/.test(l));

test('@opentelemetry/sdk-trace-node started by the app: one warning, one SERVER span per request', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('own-sdk.cjs')], { env: receiverEnv(receiver, { REQUESTS: '2' }) });
  const [, port] = await child.waitForOutput(/listening (\d+)/);
  const first = JSON.parse((await httpGet(Number(port), '/one')).body);
  const second = JSON.parse((await httpGet(Number(port), '/two')).body);
  const run = await child.result;
  assert.equal(run.code, 0, run.stderr);

  const lines = warnings(run.stderr);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(
    lines[0],
    /^\[otel-instrument\] warn OTELI_W_FOREIGN_SDK: the app uses its own OpenTelemetry SDK, @opentelemetry\/sdk-trace-base@\d+\.\d+\.\d+: .*provider\.register\(\).*/,
  );

  const spans = await receiver.waitForSpans(4);
  // GET (SERVER)               ×2, ours: one per request
  // └─ via-api (INTERNAL)      trace.getTracer(): the global provider is ours
  assert.equal(drawTree(spans), 'GET (SERVER)\n└─ via-api (INTERNAL)\nGET (SERVER)\n└─ via-api (INTERNAL)');
  const servers = spans.filter((s) => s.kind === 'SERVER');
  assert.deepEqual(servers.map((s) => s.attributes['url.path']).sort(), ['/one', '/two']);
  assert.equal(spans.some((s) => s.name === 'via-provider'), false, "the app's own provider does not export to us");

  for (const [seen, path] of [[first, '/one'], [second, '/two']]) {
    const server = servers.find((s) => s.attributes['url.path'] === path);
    assert.equal(seen.active.spanId, server.spanId, 'the app sees our SERVER span as active');
    // The app's own exporter got only its provider's span, parented by our SERVER span: the
    // context manager is ours, whoever's tracer starts the span.
    assert.deepEqual(seen.own, [{ name: 'via-provider', traceId: server.traceId, parentSpanId: server.spanId }]);
  }
});

test('@opentelemetry/sdk-trace-base loaded but never used: no warning, our spans as usual', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('loads-sdk.cjs')], { env: receiverEnv(receiver, { REQUESTS: '1' }) });
  const [, port] = await child.waitForOutput(/listening (\d+)/);
  assert.equal((await httpGet(Number(port), '/')).status, 200);
  const run = await child.result;
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(warnings(run.stderr), []);
  // GET (SERVER)
  // └─ via-api (INTERNAL)
  assert.equal(drawTree(await receiver.waitForSpans(2)), 'GET (SERVER)\n└─ via-api (INTERNAL)');
});

test('an SDK preloaded with --require registers before us: OTELI_W_GLOBAL_TAKEN only, one SERVER span per request', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', '--require', fixture('preload-sdk.cjs'), fixture('own-sdk.cjs')], {
    env: receiverEnv(receiver, { REQUESTS: '1' }),
  });
  const [, port] = await child.waitForOutput(/listening (\d+)/);
  const seen = JSON.parse((await httpGet(Number(port), '/one')).body);
  const run = await child.result;
  assert.equal(run.code, 0, run.stderr);
  const lines = warnings(run.stderr);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /^\[otel-instrument\] warn OTELI_W_GLOBAL_TAKEN: another OpenTelemetry SDK \(API \d+\.\d+\.\d+\) registered the global API before otel-instrument: /);

  // Ours:                      the preloaded SDK's (its console exporter, on stdout):
  // GET (SERVER)               via-api (parent: our SERVER span)
  // The app's own provider:    via-provider (parent: our SERVER span)
  // The child flushed before it exited, so receiver.spans is complete once one span is in.
  await receiver.waitForSpans(1);
  assert.equal(drawTree(receiver.spans), 'GET (SERVER)');
  const server = receiver.spans[0];
  assert.equal(seen.active.spanId, server.spanId, 'the context (the preloaded SDK\'s manager) carries our SERVER span');
  assert.deepEqual(seen.own, [{ name: 'via-provider', traceId: server.traceId, parentSpanId: server.spanId }]);
  assert.match(run.stdout, /name: 'via-api'/);
  assert.match(run.stdout, new RegExp(`spanId: '${server.spanId}'`));
});

/** A temp app whose node_modules holds a stand-in @opentelemetry/instrumentation-http. */
function appWithOwnInstrumentation(t) {
  const dir = mkdtempSync(join(tmpdir(), 'oteli-foreign-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(fixture('own-instrumentation.cjs'), join(dir, 'app.cjs'));
  cpSync(fixture('serve-requests.cjs'), join(dir, 'serve-requests.cjs'));
  const pkg = join(dir, 'node_modules', '@opentelemetry', 'instrumentation-http');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@opentelemetry/instrumentation-http', version: '0.200.0', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), "'use strict';\nexports.HttpInstrumentation = class HttpInstrumentation {};\n");
  return dir;
}

for (const how of ['required by the app', 'preloaded with --require before us']) {
  test(`@opentelemetry/instrumentation-http ${how}: one warning, our http instrumentation stands down`, async (t) => {
    const dir = appWithOwnInstrumentation(t);
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const node = how.startsWith('preloaded') ? ['node', '--require', '@opentelemetry/instrumentation-http', 'app.cjs'] : ['node', 'app.cjs'];
    const child = spawnCli(node, { cwd: dir, env: receiverEnv(receiver, { REQUESTS: '1' }) });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    assert.equal((await httpGet(Number(port), '/')).status, 200);
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    const lines = warnings(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0],
      /^\[otel-instrument\] warn OTELI_W_FOREIGN_INSTRUMENTATION: the app loads its own OpenTelemetry instrumentation, @opentelemetry\/instrumentation-http@0\.200\.0: otel-instrument's http instrumentation stands down/,
    );
    // The child flushed before it exited and the receiver stores spans before it answers, so
    // receiver.spans is complete here.
    await t.test('and exports no SERVER span of ours', () => {
      assert.deepEqual(receiver.spans.filter((s) => s.kind === 'SERVER').map((s) => s.name), []);
    });
  });
}
