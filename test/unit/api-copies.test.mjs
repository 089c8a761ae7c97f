// Which copy of @opentelemetry/api reads which global (the API's own rules, mirrored), and what
// register-globals does when a copy loads: nothing for older ones, a new registration through a
// newer one, a warning (and the global left as it was) for one that cannot share it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { API_PACKAGES, makeTempApp } from '../fixtures/api-versions/temp-app.mjs';

const require = createRequire(import.meta.url);
const dist = (p) => join(API_PACKAGES.ours, '..', '..', '..', 'dist', p);
const { copyReadsGlobal } = require(dist('agent/watchers/api-copies/compatibility.js'));

test('copyReadsGlobal follows the API: older copies read newer globals, never the reverse', () => {
  assert.equal(copyReadsGlobal('1.4.1', '1.9.1'), true);
  assert.equal(copyReadsGlobal('1.9.0', '1.9.1'), true);
  assert.equal(copyReadsGlobal('1.9.1', '1.9.0'), true, 'a lower patch is still read');
  assert.equal(copyReadsGlobal('1.10.0', '1.9.1'), false);
  assert.equal(copyReadsGlobal('1.10.0', '1.10.0'), true);
  assert.equal(copyReadsGlobal('1.9.1', '2.0.0'), false);
  assert.equal(copyReadsGlobal('1.9.1', '1.10.0-rc.1'), false, 'a prerelease global is read by itself only');
  assert.equal(copyReadsGlobal('1.10.0-rc.1', '1.10.0-rc.1'), true);
  assert.equal(copyReadsGlobal('1.10.0-rc.1', '1.10.0'), false);
  assert.equal(copyReadsGlobal('0.18.1', '0.18.2'), true);
  assert.equal(copyReadsGlobal('0.18.1', '0.19.0'), false);
  assert.equal(copyReadsGlobal('1.9.1', 'garbage'), false);
});

test('adoptApiCopy: ours, older, newer, prerelease', async (t) => {
  const api = require('@opentelemetry/api');
  const { registerGlobals, adoptApiCopy, sharesGlobal } = require(dist('agent/globals.js'));
  const { AsyncLocalStorageContextManager } = require(dist('sdk/context-manager.js'));
  const { W3CTraceContextPropagator } = require(dist('sdk/propagators/tracecontext.js'));
  const KEY = Symbol.for('opentelemetry.js.api.1');
  const noopSpan = () => api.trace.wrapSpanContext(api.INVALID_SPAN_CONTEXT);
  const tracerProvider = { getTracer: () => ({ startSpan: noopSpan, startActiveSpan: (_n, fn) => fn(noopSpan()) }) };
  registerGlobals({
    tracerProvider,
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: new W3CTraceContextPropagator(),
  });
  const ourStamp = globalThis[KEY].version;

  const load = (opts) => {
    const app = makeTempApp({ ...opts, files: [] });
    t.after(app.cleanup);
    return createRequire(join(app.dir, 'index.js'))('@opentelemetry/api');
  };

  assert.equal(adoptApiCopy(api, ourStamp, 'ours'), 'ours');

  const older = load({ apiSource: API_PACKAGES['1.4'] });
  assert.equal(adoptApiCopy(older, '1.4.1', '1.4.1'), 'shares-global');
  assert.equal(globalThis[KEY].version, ourStamp, 'an older copy changes nothing');

  const prerelease = load({ apiSource: API_PACKAGES.ours, fakeVersion: '1.99.0-rc.1' });
  const before = globalThis[KEY];
  assert.equal(adoptApiCopy(prerelease, '1.99.0-rc.1', '1.99.0-rc.1'), 'incompatible');
  assert.equal(globalThis[KEY], before, 'the global is left as it was');

  const newer = load({ apiSource: API_PACKAGES.ours, fakeVersion: '1.50.0' });
  assert.equal(sharesGlobal(newer), false, 'a newer copy ignores the older global');
  assert.equal(adoptApiCopy(newer, '1.50.0', '1.50.0'), 're-registered');
  assert.equal(globalThis[KEY].version, '1.50.0');
  assert.equal(sharesGlobal(newer), true);
  assert.equal(sharesGlobal(older), true, 'older copies follow the newer global');
  assert.equal(sharesGlobal(api), true, 'so does ours');
  assert.equal(newer.trace.getTracerProvider().getDelegate(), tracerProvider);
  assert.equal(newer.propagation.fields().includes('traceparent'), true);

  const newest = load({ apiSource: API_PACKAGES.ours, fakeVersion: '1.60.0' });
  assert.equal(adoptApiCopy(newest, '1.60.0', '1.60.0'), 're-registered');
  for (const copy of [api, older, newer, newest]) assert.equal(sharesGlobal(copy), true);
});
