// The foundation end to end: the real CLI runs fixture apps whose spans reach an OTLP receiver
// in this test over http/protobuf and http/json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { hasOpenssl, makeSelfSignedCertificate } from '../helpers/tls.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const fixture = (name) => join(FIXTURES, 'basic', name);

for (const protocol of ['http/protobuf', 'http/json']) {
  test(`manual spans through @opentelemetry/api are exported over ${protocol}`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const run = await runCli(
      ['--service_name', 'manual-app', '--exporter_otlp_protocol', protocol, 'node', fixture('manual-spans.js')],
      { env: receiverEnv(receiver) },
    );
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    assert.equal(printed.active, true, 'the app sees its span as the active one');

    const spans = await receiver.waitForSpans(2);
    // work (SERVER)
    // └─ step (CLIENT)
    assert.equal(drawTree(spans), 'work (SERVER)\n└─ step (CLIENT)');
    const work = spans.find((s) => s.name === 'work');
    const step = spans.find((s) => s.name === 'step');
    assert.equal(work.traceId, printed.traceId);
    assert.equal(step.traceId, printed.traceId);
    assert.equal(work.parentSpanId, '');
    assert.equal(step.parentSpanId, work.spanId);
    assert.deepEqual(work.attributes, {
      'app.str': 'hello',
      'app.int': 42,
      'app.double': 1.5,
      'app.bool': true,
      'app.strings': ['a', 'b'],
    });
    assert.deepEqual(work.status, { code: 'OK', message: '' });
    assert.equal(work.events.length, 1);
    assert.equal(work.events[0].name, 'checkpoint');
    assert.deepEqual(work.events[0].attributes, { 'app.step': 1 });
    assert.ok(work.endTimeUnixNano >= work.startTimeUnixNano);
    assert.deepEqual(work.scope, { name: 'fixture-app', version: '1.2.3' });

    assert.deepEqual(step.status, { code: 'ERROR', message: 'step failed' });
    assert.equal(step.events[0].name, 'exception');
    assert.equal(step.events[0].attributes['exception.type'], 'TypeError');
    assert.equal(step.events[0].attributes['exception.message'], 'boom');
    assert.match(step.events[0].attributes['exception.stacktrace'], /TypeError: boom\n\s+at /);
    assert.equal(step.links.length, 1);
    assert.equal(step.links[0].spanId, work.spanId);
    assert.deepEqual(step.links[0].attributes, { 'link.kind': 'self' });

    const resource = work.resource.attributes;
    assert.equal(resource['service.name'], 'manual-app');
    assert.equal(resource['telemetry.sdk.name'], 'otel-instrument');
    assert.equal(resource['telemetry.sdk.language'], 'nodejs');
    assert.equal(resource['process.runtime.name'], 'nodejs');
    assert.equal(typeof resource['process.pid'], 'number');

    const expectedType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
    assert.ok(receiver.requests.every((r) => r.path === '/v1/traces' && r.contentType === expectedType));
  });
}

// node:http serves the app with code it shares with its client; an export through that client
// made V8 run the shared code slower for every response (src/exporters/http1-connection.ts).
test('spans reach a plain-HTTP collector without a node:http client request in the app', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('count-client-requests.js')], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual((await receiver.waitForSpans(1)).map((s) => s.name), ['work']);
  assert.deepEqual(JSON.parse(run.stdout), { clientRequests: 0 });
});

test('an ESM app using @opentelemetry/api is traced through the CLI', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('manual-spans.mjs')], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  const spans = await receiver.waitForSpans(2);
  // esm-work (INTERNAL)
  // └─ esm-step (INTERNAL)
  assert.equal(drawTree(spans), 'esm-work (INTERNAL)\n└─ esm-step (INTERNAL)');
  assert.equal(spans[0].resource.attributes['service.name'], 'unknown_service:node');
});

test('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is, the generic endpoint gets /v1/traces', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], {
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/path`, OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
  assert.deepEqual([...new Set(receiver.requests.map((r) => r.path))], ['/custom/path']);
});

test('OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_COMPRESSION=gzip reach the collector', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['--exporter_otlp_headers', 'x-api-key=s%20ecret,x-team=core', 'node', fixture('hello.js')], {
    env: receiverEnv(receiver, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }),
  });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
  const req = receiver.requests[0];
  assert.equal(req.headers['x-api-key'], 's ecret');
  assert.equal(req.headers['x-team'], 'core');
  assert.equal(req.contentEncoding, 'gzip');
  assert.match(req.headers['user-agent'], /^otel-instrument\//);
});

test('OTEL_SDK_DISABLED=true: the app runs, nothing is exported', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('manual-spans.js')], {
    env: receiverEnv(receiver, { OTEL_SDK_DISABLED: 'true' }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).active, false, 'the API stays a no-op');
  assert.equal(receiver.requests.length, 0);
  assert.equal(run.stderr, '');
});

test('OTEL_SDK_DISABLED=true: the preload loads no SDK, hooks or exporters (start-up cost)', async () => {
  const run = await runCli(['node', fixture('print-require-cache.js')], { env: { OTEL_SDK_DISABLED: 'true' } });
  assert.equal(run.code, 0, run.stderr);
  const loaded = JSON.parse(run.stdout);
  assert.ok(loaded.includes('agent/gate.js') && loaded.includes('config/index.js'), run.stdout);
  for (const file of loaded) assert.doesNotMatch(file, /^(agent\/(start|globals|shutdown|watchers)|kit|sdk|exporters|hooks|instrumentations)\b/);
});

test('only the configured exporter is loaded', async () => {
  const run = await runCli(['--traces_exporter', 'console', 'node', fixture('print-require-cache.js')]);
  assert.equal(run.code, 0, run.stderr);
  const loaded = JSON.parse(run.stdout);
  assert.ok(loaded.includes('exporters/console-exporter.js'), run.stdout);
  assert.ok(!loaded.includes('exporters/otlp-trace-exporter.js'), run.stdout);
});

test('OTEL_TRACES_EXPORTER=console prints a tree on stderr and leaves stdout to the app', async () => {
  const run = await runCli(
    ['--service_name', 'demo', '--traces_exporter', 'console', 'node', fixture('hello.js')],
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  assert.match(run.stderr, /demo/);
  assert.match(run.stderr, /say-hello/);
  assert.match(run.stderr, /format-greeting/);
  // the child is drawn under its parent
  assert.ok(run.stderr.indexOf('say-hello') < run.stderr.indexOf('format-greeting'));
});

test('OTEL_TRACES_EXPORTER=none exports nothing and prints only the preamble', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['--traces_exporter', 'none', 'node', fixture('hello.js')], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0);
  assert.equal(run.stdout, 'hello, world\n');
  // OTEL_LOG_LEVEL defaults to info (spec), which is where the one-line preamble lives
  assert.match(run.stderr, /^\[otel-instrument\] otel-instrument \S+ service=unknown_service:node exporter=none [^\n]*\n$/);
  assert.equal(receiver.requests.length, 0);
});

test('OTEL_EXPORTER_OTLP_CERTIFICATE: spans reach an https collector whose self-signed certificate it names', { skip: !hasOpenssl && 'openssl CLI not found' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-otlp-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tls = makeSelfSignedCertificate(dir);
  const receiver = await startReceiver({ tls });
  t.after(() => receiver.close());
  assert.match(receiver.url, /^https:/);

  const trusted = await runCli(['node', fixture('hello.js')], {
    env: receiverEnv(receiver, { OTEL_EXPORTER_OTLP_CERTIFICATE: tls.cert }),
  });
  assert.equal(trusted.code, 0, trusted.stderr);
  await receiver.waitForSpans(2);
  assert.doesNotMatch(trusted.stderr, /warn/);

  // Without it the certificate is not trusted: nothing delivered, the app unaffected, one warning.
  const untrusted = await runCli(['node', fixture('hello.js')], {
    env: receiverEnv(receiver, { OTEL_NODE_SHUTDOWN_TIMEOUT: '2000' }),
  });
  assert.equal(untrusted.code, 0, untrusted.stderr);
  assert.equal(untrusted.stdout, 'hello, world\n');
  assert.equal(receiver.spans.length, 2, 'only the trusted run delivered');
  const warnings = untrusted.stderr.split('\n').filter((l) => /\bwarn\b/.test(l));
  assert.equal(warnings.length, 1, untrusted.stderr);
  assert.match(warnings[0], /OTELI_W_EXPORT_FAILED: .* failed: DEPTH_ZERO_SELF_SIGNED_CERT/);
});
