// createResource (src/sdk/resource.ts): OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES precedence and
// the detected SDK / process / host / OS attributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { createResource } = require('../../dist/sdk/resource.js');
const { VERSION } = require('../../dist/version.js');
const pkg = require('../../package.json');

// Only the two fields createResource reads; the rest of Config is irrelevant here.
const config = (serviceName, resourceAttributes = {}) => ({ serviceName, resourceAttributes });

test('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
  const r = createResource(config('from-service-name', { 'service.name': 'from-attrs', 'deployment.environment.name': 'prod' }));
  assert.equal(r.attributes['service.name'], 'from-service-name');
  assert.equal(r.attributes['deployment.environment.name'], 'prod');
});

test('OTEL_RESOURCE_ATTRIBUTES service.name applies when OTEL_SERVICE_NAME is unset or empty', () => {
  assert.equal(createResource(config(undefined, { 'service.name': 'from-attrs' })).attributes['service.name'], 'from-attrs');
  assert.equal(createResource(config('', { 'service.name': 'from-attrs' })).attributes['service.name'], 'from-attrs');
});

test('service.name defaults to unknown_service:node', () => {
  assert.equal(createResource(config(undefined)).attributes['service.name'], 'unknown_service:node');
});

test('SDK, process, host and OS attributes are detected with semconv values', () => {
  const { attributes, droppedAttributesCount } = createResource(config('svc'));
  assert.equal(droppedAttributesCount, 0);
  assert.equal(attributes['telemetry.sdk.name'], 'otel-instrument');
  assert.equal(attributes['telemetry.sdk.language'], 'nodejs');
  assert.equal(attributes['telemetry.sdk.version'], pkg.version);
  assert.equal(VERSION, pkg.version);
  assert.equal(attributes['process.pid'], process.pid);
  assert.equal(attributes['process.runtime.name'], 'nodejs');
  assert.equal(attributes['process.runtime.version'], process.versions.node);
  assert.equal(attributes['process.runtime.description'], 'Node.js');
  assert.equal(attributes['process.executable.name'], path.basename(process.execPath));
  assert.equal(attributes['host.name'], os.hostname());
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: 'x86', arm: 'arm32' }[process.arch] ?? process.arch;
  assert.equal(attributes['host.arch'], arch);
  const osType = { win32: 'windows', sunos: 'solaris' }[process.platform] ?? process.platform;
  assert.equal(attributes['os.type'], osType);
  assert.match(attributes['service.instance.id'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('service.instance.id is stable for the process; user attributes override detected ones', () => {
  const a = createResource(config('svc'));
  const b = createResource(config('svc', { 'host.name': 'pod-1', 'service.instance.id': 'mine' }));
  assert.equal(createResource(config('other')).attributes['service.instance.id'], a.attributes['service.instance.id']);
  assert.equal(b.attributes['host.name'], 'pod-1');
  assert.equal(b.attributes['service.instance.id'], 'mine');
  assert.ok(Object.isFrozen(a.attributes));
});
