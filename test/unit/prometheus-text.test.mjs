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
