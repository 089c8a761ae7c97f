// describeConfig: the one-line startup preamble. Secrets (userinfo, query values, header values)
// must never appear in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { readConfig, describeConfig } = require('../../dist/config/index.js');
const { setLogLevel } = require('../../dist/log.js');

function describe(env) {
  const line = describeConfig(readConfig({ OTEL_LOG_LEVEL: 'none', ...env }), '9.9.9');
  setLogLevel('warn');
  return line;
}

test('the preamble with defaults', () => {
  assert.equal(
    describe({}),
    'otel-instrument 9.9.9 service=unknown_service:node exporter=otlp endpoint=http://localhost:4318/v1/traces ' +
      'protocol=http/protobuf sampler=parentbased_always_on propagators=tracecontext,baggage',
  );
});

test('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES in the preamble', () => {
  assert.match(describe({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }), / service=from-attrs /);
  assert.match(describe({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs', OTEL_SERVICE_NAME: 'shop' }), / service=shop /);
  assert.match(describe({ OTEL_SERVICE_NAME: 'my shop' }), / service="my shop" /);
});

test('OTEL_EXPORTER_OTLP_ENDPOINT userinfo and query values are redacted in the preamble', () => {
  const line = describe({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:hunter2@collector.example/v1/traces?token=s3cret' });
  assert.ok(!line.includes('hunter2') && !line.includes('user:') && !line.includes('s3cret'), line);
  assert.match(line, / endpoint=https:\/\/REDACTED:REDACTED@collector\.example\/v1\/traces\?token=REDACTED /);
});

test('OTEL_EXPORTER_OTLP_HEADERS values never appear in the preamble', () => {
  const line = describe({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20topsecret' });
  assert.ok(!line.includes('topsecret'), line);
});

test('OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER(_ARG), OTEL_PROPAGATORS in the preamble', () => {
  const line = describe({
    OTEL_TRACES_EXPORTER: 'console,otlp',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.5',
    OTEL_PROPAGATORS: 'none',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  assert.match(line, / exporter=console,otlp /);
  assert.match(line, / protocol=http\/json /);
  assert.match(line, / sampler=parentbased_traceidratio\(0\.5\) /);
  assert.match(line, / propagators=none$/);
  assert.ok(!line.includes('\n'));
});

test('without the otlp exporter the preamble names no endpoint or protocol', () => {
  assert.equal(
    describe({ OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'demo' }),
    'otel-instrument 9.9.9 service=demo exporter=console sampler=parentbased_always_on propagators=tracecontext,baggage',
  );
  assert.doesNotMatch(describe({ OTEL_TRACES_EXPORTER: 'none' }), /endpoint=|protocol=/);
});
