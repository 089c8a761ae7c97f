// OTLP/gRPC through the real CLI, against an independent gRPC implementation (@grpc/grpc-js with
// the official opentelemetry-proto schema), and a raw node:http2 server for the answers grpc-js
// will not give (trailers-only, GOAWAY, silence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startGrpcReceiver, startRawGrpcServer, answerOk, answerTrailersOnly, never } from '../helpers/otlp-grpc-receiver.mjs';
import { httpGet } from '../helpers/http-get.mjs';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { hasOpenssl, makeCertificateAuthority } from '../helpers/tls.mjs';
import { runCli, spawnCli, FIXTURES } from '../helpers/run-cli.mjs';

const fixture = (name) => join(FIXTURES, 'basic', name);
const UNAVAILABLE = 14;
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

/** Env for gRPC export to `url`, batches small and quick, retries quick. */
function grpcEnv(url, extra = {}) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  };
}

const warningsOf = (stderr) => stderr.split('\n').filter((line) => /OTELI_[WE]_/.test(line));

test('grpc: spans arrive at a grpc-js receiver; headers as metadata; user-agent and grpc-timeout; the preamble says grpc', async (t) => {
  const receiver = await startGrpcReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], {
    env: grpcEnv(receiver.url, { OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr%20t,x-tenant=acme', OTEL_EXPORTER_OTLP_TIMEOUT: '7000' }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  assert.deepEqual(warningsOf(run.stderr), []);
  assert.match(run.stderr, new RegExp(`endpoint=${receiver.url.replace(/[.]/g, '\\.')}/? protocol=grpc sampler=`));
  const spans = await receiver.waitForSpans(2);
  assert.deepEqual(spans.map((s) => s.name).sort(), ['format-greeting', 'say-hello']);
  assert.equal(receiver.requests.length, 1);
  const [call] = receiver.requests;
  assert.equal(call.metadata['x-api-key'], 's3cr t');
  assert.equal(call.metadata['x-tenant'], 'acme');
  assert.match(call.headers['user-agent'], /^otel-instrument\/\d+\.\d+\.\d+/);
  assert.equal(call.headers['content-type'], 'application/grpc');
  assert.equal(call.headers.te, 'trailers');
  const timeoutMs = Number(/^(\d+)m$/.exec(call.headers['grpc-timeout'])?.[1]);
  assert.ok(timeoutMs > 6000 && timeoutMs <= 7000, call.headers['grpc-timeout']);
});

test('grpc + gzip: the message is compressed (grpc-encoding gzip, flag 1) and decodes', async (t) => {
  const raw = await startRawGrpcServer({ handler: answerOk });
  t.after(() => raw.close());
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(raw.url, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }) });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(raw.calls.length, 1, run.stderr);
  const [call] = raw.calls;
  assert.equal(call.headers['grpc-encoding'], 'gzip');
  assert.equal(call.body[0], 1, 'compressed flag');
  assert.equal(call.body.readUInt32BE(1), call.body.length - 5);
  assert.ok(gunzipSync(call.body.subarray(5)).length > 0);
  assert.deepEqual(call.spans.map((s) => s.name).sort(), ['format-greeting', 'say-hello']);

  // And grpc-js, which decompresses by itself, agrees.
  const receiver = await startGrpcReceiver();
  t.after(() => receiver.close());
  const again = await runCli(['node', fixture('hello.js')], { env: grpcEnv(receiver.url, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }) });
  assert.equal(again.code, 0, again.stderr);
  await receiver.waitForSpans(2);
  assert.equal(receiver.requests[0].headers['grpc-encoding'], 'gzip');
});

test('grpc: UNAVAILABLE then OK is retried, with no warning', async (t) => {
  const receiver = await startGrpcReceiver({ responses: [{ code: UNAVAILABLE, details: 'warming up' }] });
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(receiver.url) });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
  assert.deepEqual(receiver.requests.map((r) => r.code), [UNAVAILABLE, 0]);
  assert.deepEqual(warningsOf(run.stderr), []);
});

test('grpc: a trailers-only UNAVAILABLE answer is retried too', async (t) => {
  let calls = 0;
  const raw = await startRawGrpcServer({
    handler: (stream) => (++calls === 1 ? answerTrailersOnly(stream, UNAVAILABLE, 'draining') : answerOk(stream)),
  });
  t.after(() => raw.close());
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(raw.url) });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(raw.calls.length, 2, run.stderr);
  assert.deepEqual(warningsOf(run.stderr), []);
});

test('grpc: INVALID_ARGUMENT is not retried and warns once with the server\'s message', async (t) => {
  const receiver = await startGrpcReceiver({ responses: [{ code: INVALID_ARGUMENT, details: 'bad span: name too long' }] });
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(receiver.url) });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(receiver.requests.length, 1);
  assert.deepEqual(warningsOf(run.stderr), [
    `[otel-instrument] warn OTELI_W_EXPORT_REJECTED: ${receiver.url}/opentelemetry.proto.collector.trace.v1.TraceService/Export rejected spans with INVALID_ARGUMENT (not retried): bad span: name too long`,
  ]);
});

test('grpc: RESOURCE_EXHAUSTED without RetryInfo is not retried', async (t) => {
  const receiver = await startGrpcReceiver({ responses: [{ code: RESOURCE_EXHAUSTED, details: 'quota' }] });
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(receiver.url) });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(receiver.requests.length, 1);
  assert.match(warningsOf(run.stderr).join('\n'), /OTELI_W_EXPORT_REJECTED: .* rejected spans with RESOURCE_EXHAUSTED \(not retried\): quota$/);
});

test('grpc: RESOURCE_EXHAUSTED with RetryInfo is retried after the server\'s delay', async (t) => {
  const receiver = await startGrpcReceiver({ responses: [{ code: RESOURCE_EXHAUSTED, details: 'slow down', retryDelayMs: 1500 }] });
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(receiver.url) });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
  assert.deepEqual(receiver.requests.map((r) => r.code), [RESOURCE_EXHAUSTED, 0]);
  const waitedMs = receiver.requests[1].receivedAt - receiver.requests[0].receivedAt;
  // Our own backoff would be a draw in [0, 1000] ms: only RetryInfo makes it at least 1.5 s.
  assert.ok(waitedMs >= 1450, `retried after ${waitedMs} ms`);
  assert.deepEqual(warningsOf(run.stderr), []);
});

test('grpc: a partial success warns once with the count and message', async (t) => {
  const receiver = await startGrpcReceiver({ responses: [{ code: 0, partial: { rejectedSpans: 1, errorMessage: 'span too old' } }] });
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(receiver.url) });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
  assert.deepEqual(warningsOf(run.stderr), ['[otel-instrument] warn OTELI_W_EXPORT_PARTIAL: the collector rejected 1 span(s): span too old']);
});

/** A long-running traced server; each request to it makes a SERVER span. */
async function startTracedServer(t, env) {
  const child = spawnCli(['node', fixture('long-running.js')], { env });
  t.after(() => child.kill('SIGKILL'));
  const [, port] = await child.waitForOutput(/ready (\d+)/);
  return { child, get: (path) => httpGet(Number(port), path) };
}

test('grpc: the receiver restarted mid-run: later exports succeed on a new connection', async (t) => {
  const receiver = await startGrpcReceiver();
  t.after(() => receiver.close());
  const app = await startTracedServer(t, grpcEnv(receiver.url));
  await app.get('/before');
  await receiver.waitForSpans((spans) => spans.some((s) => s.name === 'GET' && s.attributes['url.path'] === '/before'));
  await receiver.restart();
  await app.get('/after');
  await receiver.waitForSpans((spans) => spans.some((s) => s.attributes['url.path'] === '/after'));
  app.child.kill('SIGTERM');
  const run = await app.child.result;
  assert.deepEqual(warningsOf(run.stderr), []);
});

test('grpc: after GOAWAY the next export dials a new connection', async (t) => {
  const raw = await startRawGrpcServer({
    handler: (stream) => {
      answerOk(stream);
      stream.session.goaway();
    },
  });
  t.after(() => raw.close());
  const app = await startTracedServer(t, grpcEnv(raw.url));
  await app.get('/one');
  await waitFor(() => raw.calls.some((c) => c.spans?.some((s) => s.attributes['url.path'] === '/one')));
  await app.get('/two');
  await waitFor(() => raw.calls.some((c) => c.spans?.some((s) => s.attributes['url.path'] === '/two')));
  app.child.kill('SIGTERM');
  const run = await app.child.result;
  assert.deepEqual(warningsOf(run.stderr), []);
  const sessions = new Set(raw.calls.map((c) => c.session));
  assert.ok(sessions.size >= 2, 'a second connection after GOAWAY');
});

async function waitFor(predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('grpc: a server that never answers holds neither the app nor its exit beyond the timeout', async (t) => {
  const raw = await startRawGrpcServer({ handler: never });
  t.after(() => raw.close());
  const started = Date.now();
  const run = await runCli(['node', fixture('hello.js')], {
    env: grpcEnv(raw.url, { OTEL_EXPORTER_OTLP_TIMEOUT: '1000', OTEL_NODE_SHUTDOWN_TIMEOUT: '2000' }),
  });
  const elapsedMs = Date.now() - started;
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  assert.ok(elapsedMs < 6000, `exit took ${elapsedMs} ms`);
  assert.match(warningsOf(run.stderr).join('\n'), /OTELI_W_EXPORT_FAILED: exporting spans to .* failed: ETIMEDOUT/);
});

test('grpc: a closed port: the app runs, exits at once, one warning', async (t) => {
  const receiver = await startGrpcReceiver();
  const url = receiver.url;
  await receiver.close();
  const started = Date.now();
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(url) });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(warningsOf(run.stderr).map((line) => line.replace(/:\d+\//, ':PORT/')), [
    '[otel-instrument] warn OTELI_W_EXPORT_FAILED: exporting spans to http://127.0.0.1:PORT/opentelemetry.proto.collector.trace.v1.TraceService/Export failed: ECONNREFUSED',
  ]);
});

for (const exitCode of [0, 3]) {
  test(`grpc: process.exit(${exitCode}) right after creating spans delivers them (the synchronous path), exit code kept`, async (t) => {
    const receiver = await startGrpcReceiver();
    t.after(() => receiver.close());
    const run = await runCli(['node', fixture('exit-now.js'), String(exitCode)], {
      env: grpcEnv(receiver.url, { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_EXPORTER_OTLP_COMPRESSION: exitCode ? 'gzip' : 'none' }),
    });
    assert.equal(run.code, exitCode, run.stderr);
    const spans = await receiver.waitForSpans(3);
    assert.deepEqual(spans.map((s) => s.name).sort(), ['before-exit-0', 'before-exit-1', 'before-exit-2']);
    assert.deepEqual(warningsOf(run.stderr), []);
  });
}

test('grpc: SIGTERM delivers the pending spans, and the app dies of SIGTERM', async (t) => {
  const receiver = await startGrpcReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', fixture('long-running.js')], { env: grpcEnv(receiver.url, { OTEL_BSP_SCHEDULE_DELAY: '60000' }) });
  await child.waitForOutput(/ready \d+/);
  child.kill('SIGTERM');
  const run = await child.result;
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: null, signal: 'SIGTERM' }, run.stderr);
  const spans = await receiver.waitForSpans(1);
  assert.equal(spans[0].name, 'started');
});

test('grpc over TLS: a server certificate from our CA (OTEL_EXPORTER_OTLP_CERTIFICATE), then mTLS', { skip: !hasOpenssl && 'needs the openssl CLI to make certificates' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oteli-grpc-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makeCertificateAuthority(dir);

  const tlsReceiver = await startGrpcReceiver({ tls: { key: pki.serverKey, cert: pki.serverCert } });
  t.after(() => tlsReceiver.close());
  assert.match(tlsReceiver.url, /^https:\/\/localhost:/);
  const run = await runCli(['node', fixture('hello.js')], { env: grpcEnv(tlsReceiver.url, { OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca }) });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(warningsOf(run.stderr), []);
  await tlsReceiver.waitForSpans(2);

  // Without our CA the handshake fails: one warning, nothing delivered, the app unharmed.
  const untrusted = await runCli(['node', fixture('hello.js')], { env: grpcEnv(tlsReceiver.url) });
  assert.equal(untrusted.code, 0, untrusted.stderr);
  assert.match(warningsOf(untrusted.stderr).join('\n'), /OTELI_W_EXPORT_FAILED: exporting spans to https:\/\/localhost:\d+\/.* failed: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)/);
  assert.equal(tlsReceiver.spans.length, 2);

  const mtlsReceiver = await startGrpcReceiver({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca } });
  t.after(() => mtlsReceiver.close());
  const mtls = await runCli(['node', fixture('hello.js')], {
    env: grpcEnv(mtlsReceiver.url, {
      OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.clientKey,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert,
    }),
  });
  assert.equal(mtls.code, 0, mtls.stderr);
  assert.deepEqual(warningsOf(mtls.stderr), []);
  await mtlsReceiver.waitForSpans(2);

  // mTLS through the exit path's child process too.
  const exiting = await runCli(['node', fixture('exit-now.js'), '0'], {
    env: grpcEnv(mtlsReceiver.url, {
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.clientKey,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert,
    }),
  });
  assert.equal(exiting.code, 0, exiting.stderr);
  await mtlsReceiver.waitForSpans(5);
});

test('grpc: host:port without a scheme and OTEL_EXPORTER_OTLP_INSECURE=true is plain text', async (t) => {
  const receiver = await startGrpcReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('hello.js')], {
    env: grpcEnv(`127.0.0.1:${receiver.port}`, { OTEL_EXPORTER_OTLP_INSECURE: 'true' }),
  });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(2);
});

test('node:http2 and the gRPC transport load only when gRPC is chosen, and no transport before the first export', async (t) => {
  const receiver = await startGrpcReceiver();
  t.after(() => receiver.close());
  const collector = await startReceiver();
  t.after(() => collector.close());
  const loadedWith = async (env, ...args) => {
    const run = await runCli(['node', fixture('print-require-cache.js'), ...args], { env: { OTEL_METRICS_EXPORTER: 'none', ...env } });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  };
  const TRANSPORTS = /exporters\/(otlp-http-transport|otlp-grpc-transport|grpc-transport|http-transport)\.js/;
  for (const env of [{ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, grpcEnv(receiver.url)]) {
    const atStart = await loadedWith(env);
    assert.deepEqual(atStart.filter((file) => TRANSPORTS.test(file)), [], 'no transport before there is anything to export');
  }
  const overHttp = await loadedWith({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, '--after-export');
  assert.ok(overHttp.includes('exporters/otlp-http-transport.js'), overHttp.join());
  assert.ok(!overHttp.some((file) => /grpc/.test(file)), overHttp.join());
  const overGrpc = await loadedWith(grpcEnv(receiver.url), '--after-export');
  assert.ok(overGrpc.includes('exporters/otlp-grpc-transport.js') && overGrpc.includes('exporters/grpc-transport.js'), overGrpc.join());
  await collector.waitForSpans(1);
  await receiver.waitForSpans(1);
});
