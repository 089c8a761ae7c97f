// readConfig: the metrics settings (exporters, interval, temporality, cardinality, Prometheus,
// runtime) and the per-signal OTLP settings for metrics, which win over the generic ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { readConfig } = require('../../dist/config/index.js');
const { resetLogOnce } = require('../../dist/log.js');

function read(env) {
  resetLogOnce();
  const chunks = [];
  const original = process.stderr.write;
  process.stderr.write = (chunk) => (chunks.push(String(chunk)), true);
  try {
    const { metrics } = readConfig(env);
    return { metrics, warnings: chunks.join('').split('\n').filter((l) => l !== '') };
  } finally {
    process.stderr.write = original;
  }
}

test('defaults: otlp every 60 s, 30 s timeout, cumulative, 2000 attribute sets, runtime off, Prometheus on localhost:9464', () => {
  const { metrics, warnings } = read({});
  assert.deepEqual(metrics.exporters, ['otlp']);
  assert.equal(metrics.intervalMs, 60000);
  assert.equal(metrics.timeoutMs, 30000);
  assert.equal(metrics.temporality, 'cumulative');
  assert.equal(metrics.cardinalityLimit, 2000);
  assert.equal(metrics.runtime, false);
  assert.deepEqual(metrics.prometheus, { host: 'localhost', port: 9464 });
  assert.equal(metrics.otlp.endpoint, 'http://localhost:4318/v1/metrics');
  assert.deepEqual(warnings, []);
});

test('the generic endpoint gets /v1/metrics; OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is used as given', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/base/' }).metrics.otlp.endpoint, 'http://c:4318/base/v1/metrics');
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:9000/in' }).metrics.otlp.endpoint, 'http://m:9000/in');
});

test('metrics-specific OTLP settings win over the generic ones, and leave the traces ones alone', () => {
  const env = {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4317',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=1',
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=2',
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '1234',
  };
  const { metrics } = read(env);
  assert.equal(metrics.otlp.protocol, 'grpc');
  assert.equal(metrics.otlp.endpoint, 'http://m:4317');
  assert.deepEqual(metrics.otlp.headers, { a: '1', b: '2' });
  assert.equal(metrics.otlp.timeoutMs, 1234);
  resetLogOnce();
  assert.equal(readConfig(env).otlp.protocol, 'http/protobuf');
});

test('temporality: delta, and lowmemory (delta for histograms); an unknown value warns and stays cumulative', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' }).metrics.temporality, 'delta');
  assert.equal(read({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'LowMemory' }).metrics.temporality, 'delta');
  const { metrics, warnings } = read({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'sometimes' });
  assert.equal(metrics.temporality, 'cumulative');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /OTELI_W_INVALID_ENV: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="sometimes" .*using cumulative/);
});

test('exporters: a list, none, and unknown members warned', () => {
  assert.deepEqual(read({ OTEL_METRICS_EXPORTER: 'otlp,prometheus,console' }).metrics.exporters, ['otlp', 'prometheus', 'console']);
  assert.deepEqual(read({ OTEL_METRICS_EXPORTER: 'none' }).metrics.exporters, []);
  const { warnings } = read({ OTEL_METRICS_EXPORTER: 'otlp,statsd' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /OTEL_METRICS_EXPORTER/);
});

test('bad numbers warn once each and keep the defaults', () => {
  const { metrics, warnings } = read({
    OTEL_METRIC_EXPORT_INTERVAL: '0',
    OTEL_NODE_METRICS_CARDINALITY_LIMIT: 'lots',
    OTEL_EXPORTER_PROMETHEUS_PORT: '70000',
    OTEL_NODE_RUNTIME_METRICS: 'yes',
  });
  assert.equal(metrics.intervalMs, 60000);
  assert.equal(metrics.cardinalityLimit, 2000);
  assert.equal(metrics.prometheus.port, 9464);
  assert.equal(metrics.runtime, false);
  assert.equal(warnings.length, 4, warnings.join('\n'));
  assert.ok(warnings.some((line) => line.includes('OTEL_EXPORTER_PROMETHEUS_PORT="70000" is not an integer from 0 to 65535; using 9464')), warnings.join('\n'));
});
