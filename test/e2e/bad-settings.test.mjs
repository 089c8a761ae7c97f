// Every setting we read, set to garbage at once: the app runs as without us, each bad value is
// one warning naming it (and its default), none is named twice, and the defaults are what runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { agentWarnings, runCli, FIXTURES } from '../helpers/run-cli.mjs';

const require = createRequire(import.meta.url);
const { SETTINGS } = require('../../dist/config/settings.js');
const HELLO = join(FIXTURES, 'basic', 'hello.js');

/** Not UTF-8-clean, no `=`, a bad percent-escape, separators: wrong for every kind of setting. */
const GARBAGE = '\u00ff%zz;garbage, ';

/**
 * Settings for which any string is a valid value, or that are read only when another setting
 * asks for them (which the garbage run does not): no warning is due.
 */
const NO_WARNING_DUE = new Map([
  ['OTEL_SERVICE_NAME', 'any string is a service name'],
  ['OTEL_TRACES_SAMPLER_ARG', 'read by the ratio samplers only'],
  ['OTEL_EXPORTER_PROMETHEUS_HOST', 'read when the Prometheus exporter is on'],
  ['OTEL_SEMCONV_STABILITY_OPT_IN', 'a list of opt-ins; the spec has unknown ones ignored'],
  ['OTEL_NODE_HTTP_EXCLUDED_URLS', 'any string is a URL pattern'],
  ...SETTINGS.filter((s) => /_(CERTIFICATE|CLIENT_KEY)$/.test(s.env)).map((s) => [s.env, 'a file read for TLS endpoints only']),
]);

const naming = (lines, env) => lines.filter((line) => new RegExp(`\\b${env}\\b(?!_)`).test(line));

function allGarbage(extra = {}) {
  const env = {};
  for (const setting of SETTINGS) if (setting.notImplemented !== true) env[setting.env] = GARBAGE;
  return { ...env, ...extra };
}

test('every OTEL_* setting set to garbage: one warning each, the app runs unchanged', async () => {
  const run = await runCli(['node', HELLO], { env: allGarbage() });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  const lines = agentWarnings(run.stderr);
  assert.deepEqual(lines.filter((line) => /OTELI_E_/.test(line)), [], 'no internal error');
  const problems = [];
  for (const { env, notImplemented } of SETTINGS) {
    if (notImplemented) continue;
    const count = naming(lines, env).length;
    const due = NO_WARNING_DUE.has(env) ? 0 : 1;
    if (count !== due) problems.push(`${env}: ${count} warning line(s), want ${due}`);
  }
  assert.deepEqual(problems, [], run.stderr);
});

test('every setting garbage but the endpoint: the defaults run, and the spans arrive', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', HELLO], {
    env: allGarbage({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  // say-hello └─ format-greeting, with the default sampler, limits and exporter.
  await receiver.waitForSpans(2);
  const [child, parent] = receiver.spans;
  assert.deepEqual([child.name, parent.name], ['format-greeting', 'say-hello']);
  assert.equal(child.parentSpanId, parent.spanId);
  assert.equal(parent.attributes['greeting.target'], 'world');
  assert.equal(receiver.requests[0].contentType, 'application/x-protobuf');
  assert.equal(receiver.spans[0].resource.attributes['service.name'], GARBAGE.trim(), 'OTEL_SERVICE_NAME is any string');
});

test('an endpoint host that does not resolve: one warning, the app runs and exits at once', async () => {
  const started = performance.now();
  const run = await runCli(['node', HELLO], {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.does-not-exist.invalid:4318', OTEL_NODE_SHUTDOWN_TIMEOUT: '60000' },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello, world\n');
  assert.ok(performance.now() - started < 5000, 'a name that does not resolve is final at exit, not retried for a minute');
  const lines = agentWarnings(run.stderr);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /OTELI_W_EXPORT_FAILED: exporting spans to http:\/\/collector\.does-not-exist\.invalid:4318\/v1\/traces failed: (ENOTFOUND|EAI_AGAIN)/);
});
