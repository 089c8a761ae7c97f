// readConfig: one test per variable, named after it. Warnings are captured by stubbing
// process.stderr.write; a bad value must give exactly one line naming the variable, the value
// and the fallback.
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
  process.stderr.write = (chunk) => {
    chunks.push(String(chunk));
    return true;
  };
  try {
    const config = readConfig(env);
    const warnings = chunks.join('').split('\n').filter((l) => l !== '');
    return { config, warnings };
  } finally {
    process.stderr.write = original;
  }
}

function assertOneWarning(warnings, ...parts) {
  assert.equal(warnings.length, 1, `expected one warning line, got ${JSON.stringify(warnings)}`);
  for (const part of parts) assert.ok(warnings[0].includes(part), `${JSON.stringify(warnings[0])} lacks ${JSON.stringify(part)}`);
}

test('an empty environment gives the spec defaults and no warning', () => {
  const { config, warnings } = read({});
  assert.deepEqual(warnings, []);
  assert.equal(config.sdkDisabled, false);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.serviceName, undefined);
  assert.deepEqual(config.resourceAttributes, {});
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assert.equal(config.sampler, 'parentbased_always_on');
  assert.equal(config.samplerRatio, 1);
  assert.deepEqual(config.tracesExporters, ['otlp']);
  assert.deepEqual(config.otlp, {
    endpoint: 'http://localhost:4318/v1/traces',
    protocol: 'http/protobuf',
    protocolInferred: false,
    headers: {},
    timeoutMs: 10000,
    compression: 'none',
    certificateFile: undefined,
    clientKeyFile: undefined,
    clientCertificateFile: undefined,
  });
  assert.deepEqual(config.bsp, { scheduleDelayMs: 5000, exportTimeoutMs: 30000, maxQueueSize: 2048, maxExportBatchSize: 512, lossReportIntervalMs: 60000 });
  assert.deepEqual(config.spanLimits, {
    attributeCountLimit: 128,
    attributeValueLengthLimit: Infinity,
    eventCountLimit: 128,
    linkCountLimit: 128,
    attributePerEventCountLimit: 128,
    attributePerLinkCountLimit: 128,
  });
  assert.equal(config.enabledInstrumentations, undefined);
  assert.deepEqual(config.disabledInstrumentations, []);
  assert.deepEqual(config.semconvStabilityOptIn, []);
  assert.equal(config.shutdownTimeoutMs, 5000);
  assert.deepEqual(config.http, {
    excludedUrls: [],
    captureHeaders: { serverRequest: [], serverResponse: [], clientRequest: [], clientResponse: [] },
    knownMethods: ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'],
  });
});

test('the Config is deep-frozen', () => {
  const { config } = read({ OTEL_EXPORTER_OTLP_HEADERS: 'a=b' });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.otlp));
  assert.ok(Object.isFrozen(config.otlp.headers));
  assert.ok(Object.isFrozen(config.propagators));
  assert.ok(Object.isFrozen(config.http.captureHeaders.serverRequest));
  assert.throws(() => {
    'use strict';
    config.otlp.headers.a = 'c';
  }, TypeError);
});

test('whitespace is trimmed and an empty or blank value means unset', () => {
  const { config, warnings } = read({ OTEL_SERVICE_NAME: '  shop  ', OTEL_TRACES_SAMPLER: '   ', OTEL_BSP_MAX_QUEUE_SIZE: '' });
  assert.deepEqual(warnings, []);
  assert.equal(config.serviceName, 'shop');
  assert.equal(config.sampler, 'parentbased_always_on');
  assert.equal(config.bsp.maxQueueSize, 2048);
});

for (const [raw, expected] of [['true', true], ['TRUE', true], [' True ', true], ['false', false], ['FALSE', false]]) {
  test(`OTEL_SDK_DISABLED=${JSON.stringify(raw)} is ${expected} without a warning`, () => {
    const { config, warnings } = read({ OTEL_SDK_DISABLED: raw });
    assert.equal(config.sdkDisabled, expected);
    assert.deepEqual(warnings, []);
  });
}

for (const raw of ['1', 'yes', 'on', 't']) {
  test(`OTEL_SDK_DISABLED=${JSON.stringify(raw)} is false with one warning`, () => {
    const { config, warnings } = read({ OTEL_SDK_DISABLED: raw });
    assert.equal(config.sdkDisabled, false);
    assertOneWarning(warnings, 'OTELI_W_INVALID_ENV', 'OTEL_SDK_DISABLED', JSON.stringify(raw), 'using false');
  });
}

test('OTEL_LOG_LEVEL is case-insensitive', () => {
  assert.equal(read({ OTEL_LOG_LEVEL: 'DEBUG' }).config.logLevel, 'debug');
});

test('OTEL_LOG_LEVEL=none silences the warnings about other variables', () => {
  const { config, warnings } = read({ OTEL_LOG_LEVEL: 'none', OTEL_SDK_DISABLED: 'yes' });
  assert.equal(config.logLevel, 'none');
  assert.deepEqual(warnings, []);
});

test('OTEL_LOG_LEVEL unknown falls back to info', () => {
  const { config, warnings } = read({ OTEL_LOG_LEVEL: 'loud' });
  assert.equal(config.logLevel, 'info');
  assertOneWarning(warnings, 'OTEL_LOG_LEVEL="loud"', 'using info');
});

test('OTEL_SERVICE_NAME is kept as given', () => {
  assert.equal(read({ OTEL_SERVICE_NAME: 'checkout api' }).config.serviceName, 'checkout api');
});

test('OTEL_RESOURCE_ATTRIBUTES is percent-decoded', () => {
  const { config, warnings } = read({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=shop, deployment.environment=prod%2Feu ,team=a%20b' });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.resourceAttributes, { 'service.name': 'shop', 'deployment.environment': 'prod/eu', team: 'a b' });
});

test('OTEL_RESOURCE_ATTRIBUTES with a bad member: the whole value is discarded (resource SDK spec), with one warning', () => {
  const { config, warnings } = read({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,novalue,=x,b=%zz,c=3' });
  assert.deepEqual(config.resourceAttributes, {});
  assertOneWarning(warnings, 'OTEL_RESOURCE_ATTRIBUTES', '#2', '#3', '#4', 'the whole value is discarded');
});

test('OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*: names that are not HTTP tokens are dropped with one warning', () => {
  const { config, warnings } = read({ OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: 'X-Request-Id, bad header,caf\u00e9' });
  assert.deepEqual(config.http.captureHeaders.serverRequest, ['x-request-id']);
  assertOneWarning(warnings, 'OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST', '"bad header"', 'using x-request-id');
});

test('OTEL_PROPAGATORS keeps order, is case-insensitive and drops duplicates', () => {
  const { config, warnings } = read({ OTEL_PROPAGATORS: 'B3, tracecontext,b3' });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.propagators, ['b3', 'tracecontext']);
});

test('OTEL_PROPAGATORS=none gives no propagators', () => {
  assert.deepEqual(read({ OTEL_PROPAGATORS: 'none' }).config.propagators, []);
});

test('OTEL_PROPAGATORS unknown members are ignored with one warning', () => {
  const { config, warnings } = read({ OTEL_PROPAGATORS: 'xray,b3multi,jaeger' });
  assert.deepEqual(config.propagators, ['b3multi']);
  assertOneWarning(warnings, 'OTEL_PROPAGATORS', 'xray,jaeger', 'using b3multi');
});

test('OTEL_PROPAGATORS with only unknown members falls back to the default', () => {
  const { config, warnings } = read({ OTEL_PROPAGATORS: 'xray' });
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assertOneWarning(warnings, 'OTEL_PROPAGATORS', 'using tracecontext,baggage');
});

test('OTEL_TRACES_SAMPLER accepts every spec value, case-insensitively', () => {
  for (const name of ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']) {
    assert.equal(read({ OTEL_TRACES_SAMPLER: name.toUpperCase() }).config.sampler, name);
  }
});

test('OTEL_TRACES_SAMPLER unsupported falls back to parentbased_always_on', () => {
  const { config, warnings } = read({ OTEL_TRACES_SAMPLER: 'jaeger_remote' });
  assert.equal(config.sampler, 'parentbased_always_on');
  assertOneWarning(warnings, 'OTEL_TRACES_SAMPLER="jaeger_remote"', 'using parentbased_always_on');
});

test('OTEL_TRACES_SAMPLER_ARG sets the ratio of traceidratio', () => {
  const { config } = read({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
  assert.equal(config.samplerRatio, 0.25);
  assert.equal(read({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }).config.samplerRatio, 0);
});

for (const raw of ['1.5', '-0.1', 'half', '0x1', 'Infinity']) {
  test(`OTEL_TRACES_SAMPLER_ARG out of range or not a number (${raw}) falls back to 1.0`, () => {
    const { config, warnings } = read({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: raw });
    assert.equal(config.samplerRatio, 1);
    assertOneWarning(warnings, 'OTEL_TRACES_SAMPLER_ARG', JSON.stringify(raw), 'using 1');
  });
}

test('OTEL_TRACES_SAMPLER_ARG is ignored by samplers that take no argument', () => {
  const { config, warnings } = read({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'junk' });
  assert.equal(config.samplerRatio, 1);
  assert.deepEqual(warnings, []);
});

test('OTEL_TRACES_EXPORTER is a list', () => {
  assert.deepEqual(read({ OTEL_TRACES_EXPORTER: 'console,otlp' }).config.tracesExporters, ['console', 'otlp']);
  assert.deepEqual(read({ OTEL_TRACES_EXPORTER: 'NONE' }).config.tracesExporters, []);
});

test('OTEL_TRACES_EXPORTER none combined with others wins, with one warning', () => {
  const { config, warnings } = read({ OTEL_TRACES_EXPORTER: 'otlp,none' });
  assert.deepEqual(config.tracesExporters, []);
  assertOneWarning(warnings, 'OTEL_TRACES_EXPORTER', 'using none');
});

test('OTEL_TRACES_EXPORTER unknown falls back to otlp', () => {
  const { config, warnings } = read({ OTEL_TRACES_EXPORTER: 'zipkin' });
  assert.deepEqual(config.tracesExporters, ['otlp']);
  assertOneWarning(warnings, 'OTEL_TRACES_EXPORTER', 'zipkin', 'using otlp');
});

for (const [name, key, value] of [
  ['OTEL_BSP_SCHEDULE_DELAY', 'scheduleDelayMs', 100],
  ['OTEL_BSP_EXPORT_TIMEOUT', 'exportTimeoutMs', 1000],
  ['OTEL_BSP_MAX_QUEUE_SIZE', 'maxQueueSize', 4096],
  ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'maxExportBatchSize', 100],
]) {
  test(`${name} is read as an integer`, () => {
    assert.equal(read({ [name]: String(value) }).config.bsp[key], value);
  });
  test(`${name} not an integer falls back to the default`, () => {
    const defaults = read({}).config.bsp;
    const { config, warnings } = read({ [name]: '12.5' });
    assert.equal(config.bsp[key], defaults[key]);
    assertOneWarning(warnings, name, '"12.5"', `using ${defaults[key]}`);
  });
}

test('OTEL_BSP_SCHEDULE_DELAY=0 is allowed', () => {
  assert.equal(read({ OTEL_BSP_SCHEDULE_DELAY: '0' }).config.bsp.scheduleDelayMs, 0);
});

test('OTEL_BSP_MAX_QUEUE_SIZE=0 falls back to 2048', () => {
  const { config, warnings } = read({ OTEL_BSP_MAX_QUEUE_SIZE: '0' });
  assert.equal(config.bsp.maxQueueSize, 2048);
  assertOneWarning(warnings, 'OTEL_BSP_MAX_QUEUE_SIZE="0"', 'using 2048');
});

test('OTEL_BSP_MAX_EXPORT_BATCH_SIZE above OTEL_BSP_MAX_QUEUE_SIZE is clamped to the queue size', () => {
  const { config, warnings } = read({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' });
  assert.equal(config.bsp.maxQueueSize, 100);
  assert.equal(config.bsp.maxExportBatchSize, 100);
  assertOneWarning(warnings, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE="512"', 'OTEL_BSP_MAX_QUEUE_SIZE', 'using 100');
});

test('OTEL_ATTRIBUTE_COUNT_LIMIT applies to spans, events and links', () => {
  const { spanLimits } = read({ OTEL_ATTRIBUTE_COUNT_LIMIT: '10' }).config;
  assert.equal(spanLimits.attributeCountLimit, 10);
  assert.equal(spanLimits.attributePerEventCountLimit, 10);
  assert.equal(spanLimits.attributePerLinkCountLimit, 10);
});

test('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT wins over OTEL_ATTRIBUTE_COUNT_LIMIT', () => {
  const { spanLimits } = read({ OTEL_ATTRIBUTE_COUNT_LIMIT: '10', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '20' }).config;
  assert.equal(spanLimits.attributeCountLimit, 20);
  assert.equal(spanLimits.attributePerEventCountLimit, 10);
});

test('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT wins over OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', () => {
  assert.equal(read({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '50' }).config.spanLimits.attributeValueLengthLimit, 50);
  const { spanLimits } = read({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '50', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '70' }).config;
  assert.equal(spanLimits.attributeValueLengthLimit, 70);
});

test('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT invalid stays unlimited', () => {
  const { config, warnings } = read({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '-1' });
  assert.equal(config.spanLimits.attributeValueLengthLimit, Infinity);
  assertOneWarning(warnings, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT="-1"', 'using unlimited');
});

test('OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT, OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', () => {
  const { spanLimits } = read({
    OTEL_SPAN_EVENT_COUNT_LIMIT: '1',
    OTEL_SPAN_LINK_COUNT_LIMIT: '2',
    OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '3',
    OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '0',
  }).config;
  assert.equal(spanLimits.eventCountLimit, 1);
  assert.equal(spanLimits.linkCountLimit, 2);
  assert.equal(spanLimits.attributePerEventCountLimit, 3);
  assert.equal(spanLimits.attributePerLinkCountLimit, 0);
});

test('OTEL_SPAN_LINK_COUNT_LIMIT invalid falls back to 128', () => {
  const { config, warnings } = read({ OTEL_SPAN_LINK_COUNT_LIMIT: 'many' });
  assert.equal(config.spanLimits.linkCountLimit, 128);
  assertOneWarning(warnings, 'OTEL_SPAN_LINK_COUNT_LIMIT="many"', 'using 128');
});

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS and OTEL_NODE_DISABLED_INSTRUMENTATIONS are lower-cased lists', () => {
  const { config } = read({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'HTTP, pg,,express', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fastify' });
  assert.deepEqual(config.enabledInstrumentations, ['http', 'pg', 'express']);
  assert.deepEqual(config.disabledInstrumentations, ['fastify']);
});

test('OTEL_SEMCONV_STABILITY_OPT_IN is a list', () => {
  assert.deepEqual(read({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup, database' }).config.semconvStabilityOptIn, ['http/dup', 'database']);
});

test('OTEL_SEMCONV_STABILITY_OPT_IN is lower-cased, without duplicates, and never warns (other categories are legitimate)', () => {
  const { config, warnings } = read({ OTEL_SEMCONV_STABILITY_OPT_IN: 'HTTP/Dup,http, http/dup,,messaging' });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.semconvStabilityOptIn, ['http/dup', 'http', 'messaging']);
});

test('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS replaces the default list, case-sensitively', () => {
  const { config, warnings } = read({ OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: ' GET, PURGE,get,GET ' });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.http.knownMethods, ['GET', 'PURGE', 'get']);
  assert.ok(Object.isFrozen(config.http.knownMethods));
});

test('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS drops members that are not method names, with one warning', () => {
  const { config, warnings } = read({ OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'GET,BAD METHOD,PURGE' });
  assert.deepEqual(config.http.knownMethods, ['GET', 'PURGE']);
  assertOneWarning(warnings, 'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS="GET,BAD METHOD,PURGE"', '"BAD METHOD"', 'using GET,PURGE');
});

test('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS with no valid method falls back to the default, with one warning', () => {
  const defaults = 'CONNECT,DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT,TRACE';
  for (const raw of [',', 'a b,(x)']) {
    const { config, warnings } = read({ OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: raw });
    assert.deepEqual(config.http.knownMethods, defaults.split(','));
    assertOneWarning(warnings, 'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS', `using ${defaults}`);
  }
});

test('OTEL_NODE_SHUTDOWN_TIMEOUT is read in ms; invalid falls back to 5000', () => {
  assert.equal(read({ OTEL_NODE_SHUTDOWN_TIMEOUT: '1500' }).config.shutdownTimeoutMs, 1500);
  const { config, warnings } = read({ OTEL_NODE_SHUTDOWN_TIMEOUT: '2s' });
  assert.equal(config.shutdownTimeoutMs, 5000);
  assertOneWarning(warnings, 'OTEL_NODE_SHUTDOWN_TIMEOUT="2s"', 'using 5000');
});

test('OTEL_NODE_HTTP_EXCLUDED_URLS keeps the patterns as given', () => {
  assert.deepEqual(read({ OTEL_NODE_HTTP_EXCLUDED_URLS: '/health, /metrics/*' }).config.http.excludedUrls, ['/health', '/metrics/*']);
});

test('OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* are lower-cased header name lists', () => {
  const { captureHeaders } = read({
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: 'X-Request-Id, User-Agent',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE: 'content-type',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST: 'accept',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE: 'ETag',
  }).config.http;
  assert.deepEqual(captureHeaders, {
    serverRequest: ['x-request-id', 'user-agent'],
    serverResponse: ['content-type'],
    clientRequest: ['accept'],
    clientResponse: ['etag'],
  });
});

test('a bad value warns once across repeated reads', () => {
  resetLogOnce();
  const chunks = [];
  const original = process.stderr.write;
  process.stderr.write = (chunk) => (chunks.push(String(chunk)), true);
  try {
    readConfig({ OTEL_BSP_MAX_QUEUE_SIZE: 'x' });
    readConfig({ OTEL_BSP_MAX_QUEUE_SIZE: 'x' });
  } finally {
    process.stderr.write = original;
  }
  assert.equal(chunks.join('').split('\n').filter(Boolean).length, 1);
});

test('a value with a newline still warns in one line', () => {
  const { warnings } = read({ OTEL_BSP_SCHEDULE_DELAY: '5\n000' });
  assertOneWarning(warnings, 'OTEL_BSP_SCHEDULE_DELAY="5\\n000"');
});
