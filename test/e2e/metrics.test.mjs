// Request metrics through the real CLI: the histograms of the stable semantic conventions arrive
// at in-test receivers (grpc-js, and HTTP with protobuf and JSON bodies) and are decoded there by
// protobufjs with the official metrics.proto, independently of our encoder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer as createNetServer } from 'node:net';
import { createRequire } from 'node:module';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { startGrpcReceiver, startGrpcReceiverOnPort4317, TUTORIAL_FLAGS } from '../helpers/otlp-grpc-receiver.mjs';
import { runCli, spawnCli, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';
import { appIn, PG_VERSIONS } from '../helpers/frameworks.mjs';
import { postgresEnv, stopPostgres } from '../helpers/postgres.mjs';
import { send } from '../fixtures/http/harness.mjs';
import { unusedPort } from '../helpers/listen.mjs';

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format');
const APP = join(FIXTURES, 'metrics', 'serve-and-call.js');
const HTTP_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const DB_BOUNDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
const warningsOf = (stderr) => stderr.split('\n').filter((line) => /OTELI_[WE]_/.test(line));

/** Every histogram of every metrics request, by name; points of all requests concatenated. */
function byName(metricRequests) {
  const metrics = {};
  for (const request of metricRequests) {
    for (const metric of request.metrics) {
      metrics[metric.name] ??= { ...metric, points: [] };
      metrics[metric.name].points.push(...metric.points);
    }
  }
  return metrics;
}

const count = (points, predicate = () => true) => points.filter((p) => predicate(p.attributes)).reduce((n, p) => n + p.count, 0);

/** The two HTTP histograms of serve-and-call.js with CALLS=200,200,503 (plus its fetch of 200). */
function assertHttpHistograms(metrics, port) {
  const server = metrics['http.server.request.duration'];
  assert.ok(server, `no server histogram in ${Object.keys(metrics)}`);
  assert.equal(server.unit, 's');
  assert.equal(server.scope, 'otel-instrument/http');
  assert.equal(server.temporality, 'cumulative');
  for (const point of server.points) {
    assert.deepEqual(point.explicitBounds, HTTP_BOUNDS);
    assert.equal(point.bucketCounts.length, HTTP_BOUNDS.length + 1);
    assert.equal(point.bucketCounts.reduce((a, b) => a + b, 0), point.count);
    assert.ok(point.min <= point.max && point.sum >= point.min * point.count);
  }
  const ok = server.points.find((p) => p.attributes['http.response.status_code'] === 200);
  assert.deepEqual(ok.attributes, {
    'http.request.method': 'GET',
    'url.scheme': 'http',
    'http.response.status_code': 200,
    'network.protocol.name': 'http',
    'network.protocol.version': '1.1',
  });
  assert.equal(ok.count, 3);
  const failed = server.points.find((p) => p.attributes['http.response.status_code'] === 503);
  assert.equal(failed.attributes['error.type'], '503');
  assert.equal(failed.count, 1);

  const client = metrics['http.client.request.duration'];
  assert.ok(client, 'no client histogram');
  assert.equal(client.unit, 's');
  // http.get and fetch alike, with the same attributes.
  const scopes = new Set(client.points.map(() => client.scope));
  assert.ok(scopes.size >= 1);
  assert.equal(count(client.points, (a) => a['http.response.status_code'] === 200), 3);
  const clientFailed = client.points.find((p) => p.attributes['http.response.status_code'] === 503);
  assert.deepEqual(clientFailed.attributes, {
    'http.request.method': 'GET',
    'server.address': '127.0.0.1',
    'server.port': port,
    'http.response.status_code': 503,
    'error.type': '503',
  });
}

test('the tutorial command line (gRPC to 127.0.0.1:4317): histograms with names, units, buckets, attributes and counts arrive with the spans', async (t) => {
  const receiver = await startGrpcReceiverOnPort4317(t);
  if (receiver === undefined) return;
  const run = await runCli(
    [...TUTORIAL_FLAGS, 'node', APP],
    { env: { CALLS: '200,200,503', OTEL_BSP_SCHEDULE_DELAY: '50' } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(warningsOf(run.stderr), []);
  const port = Number(/done (\d+)/.exec(run.stdout)[1]);
  await receiver.waitForSpans(8);
  assert.ok(receiver.metricRequests.length >= 1, 'metrics arrived over gRPC');
  const metrics = byName(receiver.metricRequests.map((r) => ({ metrics: r.metrics })));
  assertHttpHistograms(metrics, port);
  assert.equal(receiver.metricRequests[0].metrics[0].resource['service.name'], 'order-service');
});

for (const protocol of ['http/protobuf', 'http/json']) {
  test(`${protocol}: the same histograms arrive at /v1/metrics`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const run = await runCli(['--exporter_otlp_protocol', protocol, 'node', APP], { env: receiverEnv(receiver, { CALLS: '200,200,503' }) });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(warningsOf(run.stderr), []);
    const port = Number(/done (\d+)/.exec(run.stdout)[1]);
    assert.equal(receiver.metricRequests.length, 1, 'one export: the exit flush');
    assert.equal(receiver.metricRequests[0].contentType, protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
    assertHttpHistograms(byName(receiver.metricRequests), port);
  });
}

test('a request measured once, and its value is the SERVER span\'s duration', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', APP], { env: receiverEnv(receiver, { CALLS: '201' }) });
  assert.equal(run.code, 0, run.stderr);
  const spans = await receiver.waitForSpans(4);
  const serverSpan = spans.find((s) => s.kind === 'SERVER' && s.attributes['http.response.status_code'] === 201);
  const point = byName(receiver.metricRequests)['http.server.request.duration'].points.find((p) => p.attributes['http.response.status_code'] === 201);
  assert.equal(point.count, 1);
  const spanSeconds = Number(serverSpan.endTimeUnixNano - serverSpan.startTimeUnixNano) / 1e9;
  assert.ok(Math.abs(point.sum - spanSeconds) < 1e-6, `metric ${point.sum} s, span ${spanSeconds} s`);
});

test('OTEL_TRACES_SAMPLER=always_off: no spans, every request still counted', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', APP], { env: receiverEnv(receiver, { CALLS: '200,200,503', OTEL_TRACES_SAMPLER: 'always_off' }) });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(receiver.spans.length, 0);
  const metrics = byName(receiver.metricRequests);
  assert.equal(count(metrics['http.server.request.duration'].points), 4);
  assert.equal(count(metrics['http.client.request.duration'].points), 4);
});

test('delta temporality: each export counts only its interval', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', APP], {
    env: receiverEnv(receiver, {
      CALLS: '200,200',
      ROUNDS: '2',
      PAUSE_MS: '700',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
    }),
  });
  assert.equal(run.code, 0, run.stderr);
  const serverPerExport = receiver.metricRequests
    .map((r) => r.metrics.find((m) => m.name === 'http.server.request.duration'))
    .filter(Boolean);
  assert.ok(serverPerExport.length >= 2, `${serverPerExport.length} exports with server points`);
  for (const metric of serverPerExport) assert.equal(metric.temporality, 'delta');
  // Two rounds of two, and the fetch: 5 in all, never counted twice.
  assert.equal(serverPerExport.reduce((n, m) => n + count(m.points), 0), 5);
  const [first, second] = serverPerExport;
  assert.ok(second.points[0].startTimeUnixNano >= first.points[0].timeUnixNano, 'the second interval starts where the first ended');
});

test('a backend that does not take metrics (404, as Jaeger): one warning, then no more metric exports', async (t) => {
  const receiver = await startReceiver({ metricsStatus: 404 });
  t.after(() => receiver.close());
  const run = await runCli(['node', APP], {
    env: receiverEnv(receiver, { CALLS: '200', ROUNDS: '4', PAUSE_MS: '200', OTEL_METRIC_EXPORT_INTERVAL: '100' }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(receiver.metricRequests.length, 1, 'no export after the refusal');
  assert.deepEqual(warningsOf(run.stderr).map((line) => line.replace(/:\d+\//, ':PORT/')), [
    '[otel-instrument] warn OTELI_W_SIGNAL_REFUSED: http://127.0.0.1:PORT/v1/metrics does not take metrics (HTTP 404); metrics export is off for this process',
  ]);
  await receiver.waitForSpans(1);
});

test('a gRPC backend without the metrics service (UNIMPLEMENTED): one warning, spans still delivered', async (t) => {
  const receiver = await startGrpcReceiver({ metrics: false });
  t.after(() => receiver.close());
  const run = await runCli(['node', APP], {
    env: receiverEnv(receiver, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', CALLS: '200', ROUNDS: '3', PAUSE_MS: '200', OTEL_METRIC_EXPORT_INTERVAL: '100' }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(warningsOf(run.stderr).map((line) => line.replace(/:\d+\//, ':PORT/')), [
    '[otel-instrument] warn OTELI_W_SIGNAL_REFUSED: http://127.0.0.1:PORT/opentelemetry.proto.collector.metrics.v1.MetricsService/Export does not take metrics (UNIMPLEMENTED); metrics export is off for this process',
  ]);
  await receiver.waitForSpans(4);
});

test('the cardinality limit: attribute sets beyond it go to the otel.metric.overflow point, nothing lost', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', APP], {
    env: receiverEnv(receiver, { CALLS: '200,201,202,203,204,205', OTEL_NODE_METRICS_CARDINALITY_LIMIT: '3', OTEL_TRACES_EXPORTER: 'none' }),
  });
  assert.equal(run.code, 0, run.stderr);
  const server = byName(receiver.metricRequests)['http.server.request.duration'];
  assert.equal(server.points.length, 3);
  const overflow = server.points.find((p) => p.attributes['otel.metric.overflow'] === true);
  assert.deepEqual(overflow.attributes, { 'otel.metric.overflow': true });
  // 200 and 201 have their own points; 202 … 205 and the fetch's second 200? No: 200 exists, so it joins it.
  assert.equal(count(server.points), 7);
  assert.equal(overflow.count, 4);
});

test('OTEL_METRICS_EXPORTER=none: no metrics sent, spans as before', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['--metrics_exporter', 'none', 'node', APP], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  await receiver.waitForSpans(4);
  assert.equal(receiver.metricRequests.length, 0);
});

test('OTEL_METRICS_EXPORTER=console: a summary per series on stderr at exit', async () => {
  const run = await runCli(['--traces_exporter', 'none', '--metrics_exporter', 'console', 'node', APP], { env: { CALLS: '200,200,503' } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /\[otel-instrument\] metrics:\nhttp\.(server|client)\.request\.duration\n/);
  assert.match(run.stderr, /  http\.request\.method=GET url\.scheme=http network\.protocol\.name=http network\.protocol\.version=1\.1: count 4, 25\.0 % errors, p50 [\d.]+ ms, p99 [\d.]+ ms\n/);
});

for (const protocol of ['http/protobuf', 'http/json']) test(`OTEL_NODE_RUNTIME_METRICS=true (${protocol}): event-loop delay and utilization, V8 heap per space, GC durations by type`, async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['--exporter_otlp_protocol', protocol, 'node', '--expose-gc', join(FIXTURES, 'metrics', 'runtime.js')], {
    env: receiverEnv(receiver, { OTEL_NODE_RUNTIME_METRICS: 'true', OTEL_TRACES_EXPORTER: 'none' }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(warningsOf(run.stderr), []);
  const metrics = byName(receiver.metricRequests);
  for (const stat of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
    const gauge = metrics[`nodejs.eventloop.delay.${stat}`];
    assert.ok(gauge, `nodejs.eventloop.delay.${stat} in ${Object.keys(metrics)}`);
    assert.equal(gauge.kind, 'gauge');
    assert.equal(gauge.unit, 's');
    assert.equal(gauge.scope, 'otel-instrument/runtime');
    assert.ok(gauge.points[0].value >= 0 && gauge.points[0].value < 10);
  }
  const utilization = metrics['nodejs.eventloop.utilization'];
  assert.equal(utilization.unit, '1');
  assert.ok(utilization.points[0].value >= 0 && utilization.points[0].value <= 1);
  const heapUsed = metrics['v8js.memory.heap.used'];
  assert.deepEqual([heapUsed.kind, heapUsed.unit, heapUsed.temporality, heapUsed.isMonotonic], ['sum', 'By', 'cumulative', false]);
  const spaces = heapUsed.points.map((p) => p.attributes['v8js.heap.space.name']);
  assert.ok(spaces.includes('old_space') && spaces.includes('new_space'), spaces.join());
  assert.ok(heapUsed.points.every((p) => p.value > 0 || p.attributes['v8js.heap.space.name'] !== 'old_space'));
  assert.ok(metrics['v8js.memory.heap.limit'] && metrics['v8js.memory.heap.space.available_size']);
  const gc = metrics['v8js.gc.duration'];
  assert.equal(gc.unit, 's');
  assert.deepEqual(gc.points[0].explicitBounds, [0.01, 0.1, 1, 10]);
  assert.ok(count(gc.points, (a) => a['v8js.gc.type'] === 'major') >= 1, JSON.stringify(gc.points.map((p) => p.attributes)));
});

test('runtime metrics are off by default', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', APP], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  const names = Object.keys(byName(receiver.metricRequests));
  assert.deepEqual(names.filter((name) => /^(v8js|nodejs)\./.test(name)), []);
  assert.ok(names.includes('http.server.request.duration'));
});

async function scrape(port, path = '/metrics') {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/**
 * The exposition parsed by an independent parser (parse-prometheus-text-format). It folds every
 * labelled histogram into one sample, so the samples are read untyped (TYPE lines aside, checked
 * on their own): one family per sample name, each sample with its labels and value.
 */
function parseExposition(text) {
  const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  const families = parsePrometheus(text.replace(/^# TYPE .*\n/gm, ''));
  return { types, samples: Object.fromEntries(families.map((f) => [f.name, f.metrics])) };
}

test('prometheus: a scrape in the text format, OTel names mapped, buckets cumulative; the scrape itself is neither traced nor counted', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const promPort = await unusedPort();
  const child = spawnCli(['--metrics_exporter', 'prometheus', '--service_name', 'shop', 'node', join(FIXTURES, 'basic', 'long-running.js')], {
    env: receiverEnv(receiver, { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(promPort) }),
  });
  t.after(() => child.kill('SIGKILL'));
  const [, appPort] = await child.waitForOutput(/ready (\d+)/);
  for (const path of ['/a', '/b', '/c']) assert.equal((await send(Number(appPort), path)).status, 200);

  await scrape(promPort); // a first scrape: the second must not count it
  const { status, contentType, text } = await scrape(promPort);
  assert.equal(status, 200);
  assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
  const { types, samples } = parseExposition(text);
  assert.equal(types.http_server_request_duration_seconds, 'histogram');
  assert.equal(types.target_info, 'gauge');
  assert.equal(samples.target_info[0].labels.service_name, 'shop');
  const buckets = samples.http_server_request_duration_seconds_bucket;
  assert.deepEqual(buckets.map((b) => b.labels.le), [...HTTP_BOUNDS.map(String), '+Inf']);
  assert.deepEqual(
    { ...buckets.at(-1).labels, le: undefined },
    {
      http_request_method: 'GET',
      url_scheme: 'http',
      http_response_status_code: '200',
      network_protocol_name: 'http',
      network_protocol_version: '1.1',
      otel_scope_name: 'otel-instrument/http',
      otel_scope_version: buckets[0].labels.otel_scope_version,
      le: undefined,
    },
  );
  const cumulative = buckets.map((b) => Number(b.value));
  assert.deepEqual(cumulative, [...cumulative].sort((x, y) => x - y), 'bucket counts never decrease');
  // Three app requests: the two scrapes are not counted.
  assert.equal(Number(samples.http_server_request_duration_seconds_count[0].value), 3);
  assert.equal(cumulative.at(-1), 3);
  assert.ok(Number(samples.http_server_request_duration_seconds_sum[0].value) > 0);

  assert.equal((await scrape(promPort, '/other')).status, 404);
  child.kill('SIGTERM');
  const run = await child.result;
  assert.deepEqual(warningsOf(run.stderr), []);
  const spans = await receiver.waitForSpans(4);
  // 'started' and the three requests: no span for a scrape.
  assert.deepEqual(spans.filter((s) => s.kind === 'SERVER').map((s) => s.attributes['url.path']).sort(), ['/a', '/b', '/c']);
});

test('prometheus: the endpoint never holds the app open; a port already taken is one warning', async (t) => {
  const taken = createNetServer();
  await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const started = Date.now();
  const run = await runCli(['--traces_exporter', 'none', '--metrics_exporter', 'prometheus', 'node', APP], {
    env: { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(taken.address().port) },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^done \d+\n$/);
  assert.ok(Date.now() - started < 10000);
  assert.deepEqual(warningsOf(run.stderr), [
    `[otel-instrument] warn OTELI_W_PROMETHEUS_LISTEN: cannot serve Prometheus metrics on 127.0.0.1:${taken.address().port}: EADDRINUSE`,
  ]);
});

const pgEnv = await postgresEnv();
after(stopPostgres);

test('express + pg: the server metric carries the route; a failing query is counted with its SQLSTATE', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = spawnCli(['node', appIn('pg8', 'pg-metrics.cjs', PG_VERSIONS)], { env: receiverEnv(receiver, { ...pgEnv }) });
  const [, port] = await child.waitForOutput(/listening (\d+)/);
  const response = await send(Number(port), '/users/7');
  assert.equal(response.status, 200);
  const run = await child.result;
  assert.equal(run.code, 0, run.stderr);
  const metrics = byName(receiver.metricRequests);
  const server = metrics['http.server.request.duration'];
  assert.equal(server.points.length, 1);
  assert.equal(server.points[0].attributes['http.route'], '/users/:id');
  const db = metrics['db.client.operation.duration'];
  assert.ok(db, `no db histogram in ${Object.keys(metrics)}`);
  assert.equal(db.unit, 's');
  assert.equal(db.scope, 'otel-instrument/pg');
  for (const point of db.points) assert.deepEqual(point.explicitBounds, DB_BOUNDS);
  const good = db.points.find((p) => p.attributes['error.type'] === undefined);
  assert.deepEqual(good.attributes, {
    'db.system.name': 'postgresql',
    'db.namespace': pgEnv.PGDATABASE,
    'db.operation.name': 'SELECT',
    'server.address': pgEnv.PGHOST,
    'server.port': Number(pgEnv.PGPORT),
  });
  const bad = db.points.find((p) => p.attributes['error.type'] !== undefined);
  assert.deepEqual(bad.attributes, {
    'db.system.name': 'postgresql',
    'db.namespace': pgEnv.PGDATABASE,
    'db.operation.name': 'SELECT',
    'db.collection.name': 'no_such_table',
    'server.address': pgEnv.PGHOST,
    'server.port': Number(pgEnv.PGPORT),
    'db.response.status_code': '42P01',
    'error.type': '42P01',
  });
  assert.equal(bad.count, 1);
});
