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
import http from 'node:http';
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
    /^\[otel-instrument\] warn OTELI_W_FOREIGN_SDK: the app loads its own OpenTelemetry SDK, @opentelemetry\/sdk-trace-base@\d+\.\d+\.\d+: .*provider\.register\(\).*/,
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

/** A stand-in Datadog agent on 127.0.0.1:0 that keeps what dd-trace sends it. */
async function startDatadogAgent(t) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body: Buffer.concat(chunks) });
      res.setHeader('content-type', 'application/json');
      res.end('{"rate_by_service":{}}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${server.address().port}`, received };
}

/** dd-trace quiet and local: its agent is the stand-in, no telemetry, remote config or profiler. */
function ddEnv(agent, extra = {}) {
  return {
    DD_TRACE_AGENT_URL: agent.url,
    DD_SERVICE: 'dd-app',
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
    DD_PROFILING_ENABLED: 'false',
    // dd-trace 6's `dd-trace/init` refuses Node < 22 unless forced; CI runs this on Node 20 too.
    DD_INJECT_FORCE: 'true',
    ...extra,
  };
}

// dd-trace is a real tracing agent: it patches http and subscribes to undici's channels itself. Run
// it with ours and one request would get two SERVER and two CLIENT spans, with two competing
// parents injected downstream. Ours stands down, one OTELI_W_FOREIGN_AGENT line says so, and
// dd-trace's tracing is left exactly as it is without us.
for (const how of ['started by the app', 'preloaded with --require dd-trace/init']) {
  test(`dd-trace ${how}: one warning, our http and fetch instrumentations stand down, dd-trace traces alone`, async (t) => {
    const agent = await startDatadogAgent(t);
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const node = how.startsWith('preloaded') ? ['node', '--require', 'dd-trace/init', fixture('dd-trace-app.cjs')] : ['node', fixture('dd-trace-app.cjs')];
    const child = spawnCli(node, {
      env: receiverEnv(receiver, {
        REQUESTS: '1',
        DD_APP_START: how.startsWith('preloaded') ? 'preloaded' : 'init',
        ...ddEnv(agent),
      }),
    });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    const response = await httpGet(Number(port), '/');
    assert.equal(response.status, 200);
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    // Nothing of ours: no SERVER or CLIENT span reached the OTLP receiver (the child flushed
    // before it exited, so receiver.spans is complete).
    assert.deepEqual(receiver.spans.map((s) => `${s.name} (${s.kind})`), []);

    const lines = warnings(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0],
      /^\[otel-instrument\] warn OTELI_W_FOREIGN_AGENT: the app starts another tracing agent, dd-trace@\d+\.\d+\.\d+: otel-instrument's http and undici instrumentations stand down/,
    );

    // Downstream calls carry dd-trace's context only: its own header and one traceparent, which
    // is dd-trace's (its trace id's low 64 bits are x-datadog-trace-id).
    const { viaHttp, viaFetch } = JSON.parse(response.body);
    for (const [via, headers] of [['http.get', viaHttp], ['fetch', viaFetch]]) {
      assert.match(headers['x-datadog-trace-id'] ?? '', /^\d+$/, `${via}: dd-trace injected its context`);
      const traceparent = headers.traceparent;
      assert.equal(typeof traceparent, 'string', `${via}: one traceparent`);
      const ddLow = BigInt(headers['x-datadog-trace-id']).toString(16).padStart(16, '0');
      assert.equal(traceparent.split('-')[1].slice(16), ddLow, `${via}: the traceparent is dd-trace's`);
    }

    // dd-trace exported its own spans to its agent, as without us (msgpack: the operation names
    // are plain strings in the payload).
    const traces = agent.received.filter((r) => /^\/v0\.\d\/traces$/.test(r.url));
    assert.ok(traces.length > 0, `dd-trace sent no traces: ${agent.received.map((r) => r.url).join(', ')}`);
    const payload = Buffer.concat(traces.map((r) => r.body)).toString('latin1');
    assert.ok(payload.includes('web.request'), "dd-trace's SERVER span");
    assert.ok(payload.includes('http.request'), "dd-trace's CLIENT span");
  });
}

// dd-trace in the app but not tracing: only loaded (init() behind a flag), or started with
// DD_TRACE_ENABLED=false, in the app or by `--require dd-trace/init`. Nothing conflicts, so ours
// traces as usual and says nothing: standing down here would leave the app with no tracing at all.
for (const [how, start, node, extra] of [
  ['loaded but never started', 'load', [], {}],
  ['started with DD_TRACE_ENABLED=false', 'init', [], { DD_TRACE_ENABLED: 'false' }],
  ['preloaded by --require dd-trace/init with DD_TRACE_ENABLED=false', 'preloaded', ['--require', 'dd-trace/init'], { DD_TRACE_ENABLED: 'false' }],
  // Its guard loads part of the package and refuses before the tracer itself loads.
  ['preloaded by --require dd-trace/init on a Node.js it refuses (< 22)', 'preloaded', ['--require', 'dd-trace/init'], { DD_INJECT_FORCE: 'false' }],
]) {
  const refusedHere = Number(process.versions.node.split('.')[0]) < 22;
  const skip = how.includes('refuses') && !refusedHere && `dd-trace ${process.version} accepts this Node.js`;
  test(`dd-trace ${how}: no warning, our spans and traceparent as without it`, { skip }, async (t) => {
    const agent = await startDatadogAgent(t);
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const child = spawnCli(['node', ...node, fixture('dd-trace-app.cjs')], {
      env: receiverEnv(receiver, { REQUESTS: '1', DD_APP_START: start, ...ddEnv(agent, extra) }),
    });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    const response = await httpGet(Number(port), '/');
    assert.equal(response.status, 200);
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(warnings(run.stderr), []);

    // GET (SERVER /)
    // ├─ GET (CLIENT, http.get)
    // │  └─ GET (SERVER /echo)
    // └─ GET (CLIENT, fetch)
    //    └─ GET (SERVER /echo)
    const spans = await receiver.waitForSpans(5);
    assert.equal(drawTree(spans), 'GET (SERVER)\n├─ GET (CLIENT)\n│  └─ GET (SERVER)\n└─ GET (CLIENT)\n   └─ GET (SERVER)');
    const { viaHttp, viaFetch } = JSON.parse(response.body);
    for (const headers of [viaHttp, viaFetch]) {
      assert.equal(headers['x-datadog-trace-id'], undefined, 'dd-trace injected nothing');
      assert.equal(headers.traceparent.split('-')[1], spans[0].traceId, 'our traceparent');
    }
  });
}
