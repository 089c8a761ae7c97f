// The Prometheus exposition on its own: the OTel-to-Prometheus name mapping, label escaping, and
// a histogram's lines, checked against the text and through an independent parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const parsePrometheus = require('parse-prometheus-text-format');
const { prometheusText, prometheusMetricName, prometheusLabelName } = require('../../dist/exporters/prometheus-text.js');

test('names: dots and other characters become one _, the unit becomes a suffix once, a leading digit gets _', () => {
  assert.equal(prometheusMetricName('http.server.request.duration', 's'), 'http_server_request_duration_seconds');
  assert.equal(prometheusMetricName('db.client.operation.duration', 's'), 'db_client_operation_duration_seconds');
  assert.equal(prometheusMetricName('already_seconds', 's'), 'already_seconds');
  assert.equal(prometheusMetricName('a..b-c', '{request}'), 'a_b_c');
  assert.equal(prometheusLabelName('http.response.status_code'), 'http_response_status_code');
  assert.equal(prometheusLabelName('9lives:x'), '_9lives_x');
});

test('a histogram point: cumulative buckets to +Inf, _sum, _count, escaped label values, scope labels, target_info', () => {
  const batch = {
    resource: { attributes: { 'service.name': 'shop' }, droppedAttributesCount: 0 },
    timeUnixMs: 0,
    scopes: [
      {
        scope: { name: 'otel-instrument/http', version: '1.2.3' },
        observed: [],
        histograms: [
          {
            definition: { name: 'http.server.request.duration', unit: 's', description: 'Duration of HTTP server requests.', boundaries: [0.1, 1] },
            temporality: 'cumulative',
            points: [{ attributes: { 'http.route': '/say/"hi"\\\n' }, startTimeUnixMs: 0, count: 3, sum: 1.75, min: 0.05, max: 1.5, bucketCounts: [1, 1, 1] }],
          },
        ],
      },
    ],
  };
  const text = prometheusText(batch);
  const labels = 'http_route="/say/\\"hi\\"\\\\\\n",otel_scope_name="otel-instrument/http",otel_scope_version="1.2.3"';
  assert.equal(
    text,
    [
      '# HELP target_info Target metadata',
      '# TYPE target_info gauge',
      'target_info{service_name="shop"} 1',
      '# HELP http_server_request_duration_seconds Duration of HTTP server requests.',
      '# TYPE http_server_request_duration_seconds histogram',
      `http_server_request_duration_seconds_bucket{${labels},le="0.1"} 1`,
      `http_server_request_duration_seconds_bucket{${labels},le="1"} 2`,
      `http_server_request_duration_seconds_bucket{${labels},le="+Inf"} 3`,
      `http_server_request_duration_seconds_sum{${labels}} 1.75`,
      `http_server_request_duration_seconds_count{${labels}} 3`,
      '',
    ].join('\n'),
  );
  // The independent parser reads the escaped value back as it was.
  const families = parsePrometheus(text.replace(/^# TYPE .*\n/gm, ''));
  const count = families.find((f) => f.name === 'http_server_request_duration_seconds_count');
  assert.equal(count.metrics[0].labels.http_route, '/say/"hi"\\\n');
  assert.equal(count.metrics[0].value, '3');
});

test('gauges and non-monotonic sums are Prometheus gauges, one sample per attribute set', () => {
  const text = prometheusText({
    resource: { attributes: {}, droppedAttributesCount: 0 },
    timeUnixMs: 0,
    scopes: [
      {
        scope: { name: 'otel-instrument/runtime', version: '1' },
        histograms: [],
        observed: [
          { definition: { name: 'nodejs.eventloop.utilization', unit: '1', description: 'Event loop utilization.', kind: 'gauge' }, startTimeUnixMs: 0, observations: [{ attributes: {}, value: 0.25 }] },
          { definition: { name: 'v8js.memory.heap.used', unit: 'By', description: 'Heap memory used.', kind: 'updowncounter' }, startTimeUnixMs: 0, observations: [{ attributes: { 'v8js.heap.space.name': 'old_space' }, value: 1024 }] },
        ],
      },
    ],
  });
  const scope = 'otel_scope_name="otel-instrument/runtime",otel_scope_version="1"';
  assert.ok(text.includes(`# TYPE nodejs_eventloop_utilization_ratio gauge\nnodejs_eventloop_utilization_ratio{${scope}} 0.25\n`), text);
  assert.ok(text.includes(`# TYPE v8js_memory_heap_used_bytes gauge\nv8js_memory_heap_used_bytes{v8js_heap_space_name="old_space",${scope}} 1024\n`), text);
});
