// The command line users copy from Python's opentelemetry-instrument runs as written: every
// OTEL_* setting of the SDK specification is a flag, in snake and kebab case, and an endpoint on
// port 4317 with no protocol set means gRPC (Python's default protocol). Those not
// implemented yet (metrics, logs, Prometheus, Zipkin) set their variable and get one info line;
// they never stop the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { startGrpcReceiverOnPort4317, TUTORIAL_FLAGS } from '../helpers/otlp-grpc-receiver.mjs';
import { runCli, FIXTURES } from '../helpers/run-cli.mjs';

test('--service_name … --traces_exporter otlp --metrics_exporter otlp --logs_exporter otlp node app.js: runs, traced, one info line', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(
    [
      '--service_name', 'order-service',
      '--traces_exporter', 'otlp',
      '--metrics_exporter', 'otlp',
      '--logs_exporter', 'otlp',
      '--metric-export-interval', '15000',
      '--exporter_otlp_endpoint', receiver.url,
      'node', join(FIXTURES, 'basic', 'hello.js'),
    ],
    { env: { OTEL_BSP_SCHEDULE_DELAY: '50' } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  const info = run.stderr.split('\n').filter((line) => line.includes('not implemented yet'));
  assert.deepEqual(info, ['[otel-instrument] not implemented yet, accepted and ignored: OTEL_LOGS_EXPORTER']);
  assert.doesNotMatch(run.stderr, /OTELI_[WE]_/);
  const spans = await receiver.waitForSpans(2);
  assert.equal(spans[0].resource.attributes['service.name'], 'order-service');
});

test('--help lists the accepted-but-not-implemented settings too', async () => {
  const run = await runCli(['--help']);
  assert.equal(run.code, 0);
  for (const flag of ['--metrics_exporter', '--logs_exporter', '--exporter_otlp_metrics_endpoint', '--exporter_prometheus_port', '--blrp_schedule_delay']) {
    assert.match(run.stdout, new RegExp(`${flag} <value>`));
  }
});

// The tutorial's command line, as written, against a Collector's gRPC port: no protocol is set,
// so port 4317 means gRPC. An independent receiver (grpc-js) listens on 127.0.0.1:4317.
test('the tutorial command line with --exporter_otlp_endpoint http://127.0.0.1:4317 delivers over gRPC', async (t) => {
  const receiver = await startGrpcReceiverOnPort4317(t);
  if (receiver === undefined) return;
  const run = await runCli(
    [...TUTORIAL_FLAGS, 'node', join(FIXTURES, 'basic', 'hello.js')],
    { env: { OTEL_BSP_SCHEDULE_DELAY: '50' } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  assert.match(run.stderr, /endpoint=http:\/\/127\.0\.0\.1:4317\/? protocol=grpc \(from port 4317\) sampler=/);
  assert.doesNotMatch(run.stderr, /OTELI_[WE]_/);
  const spans = await receiver.waitForSpans(2);
  assert.equal(spans[0].resource.attributes['service.name'], 'order-service');
  assert.equal(receiver.requests[0].path, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
});

// A gRPC receiver on 4317 answers an HTTP/1.1 request with HTTP/2 frames. A user who chose an
// HTTP protocol for that port must be told why the spans did not arrive. An h2c server
// (node:http2, no HTTP/1 fallback) stands in for the Collector's gRPC port.
test('http/protobuf chosen and aimed at a gRPC port 4317: one warning saying what port 4317 is', async (t) => {
  const { createServer } = await import('node:http2');
  const server = createServer();
  const listening = await new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(4317, '127.0.0.1', () => resolve(true));
  });
  if (!listening) {
    t.skip('port 4317 of 127.0.0.1 is taken on this machine');
    return;
  }
  t.after(() => server.close());
  const run = await runCli(['--exporter_otlp_endpoint', 'http://127.0.0.1:4317', '--exporter_otlp_protocol', 'http/protobuf', 'node', join(FIXTURES, 'basic', 'hello.js')]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  const warnings = run.stderr.split('\n').filter((line) => /OTELI_W_/.test(line));
  assert.equal(warnings.length, 2, run.stderr);
  assert.match(warnings[0], /OTELI_W_GRPC_PORT: http:\/\/127\.0\.0\.1:4317\/v1\/traces answered with something that is not HTTP\/1\.1: port 4317 is the OTLP\/gRPC port; use --exporter_otlp_protocol grpc/);
  assert.match(warnings[1], /OTELI_W_EXPORT_FAILED: exporting spans to http:\/\/127\.0\.0\.1:4317\/v1\/traces failed: HPE_/);
});
