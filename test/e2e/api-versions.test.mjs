// The app's own @opentelemetry/api, any 1.x: older than ours (1.4.1), the same, and newer (a
// faked 1.99.0, which ignores a global registered by an older copy unless we register again
// through it). Loaded by require and by import. In every case the app's spans nest under our
// SERVER span, and the app sees our active span, our propagator and a working context.with.
// Also: a library's spans through the API with no SDK keep their own scope name and version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { httpGet } from '../helpers/http-get.mjs';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { spawnCli, runCli, receiverEnv } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { API_PACKAGES, makeTempApp, versionOf } from '../fixtures/api-versions/temp-app.mjs';


const CASES = [
  { label: 'older (1.4.1)', apiSource: API_PACKAGES['1.4'], expectVersion: '1.4.1' },
  { label: 'the same as ours', apiSource: API_PACKAGES.ours, expectVersion: versionOf(API_PACKAGES.ours) },
  { label: 'newer (faked 1.99.0)', apiSource: API_PACKAGES.ours, fakeVersion: '1.99.0', expectVersion: '1.99.0' },
];

for (const c of CASES) {
  const runs = [
    { how: 'require', node: ['node', 'server.cjs'] },
    { how: 'import', node: ['node', 'server.mjs'] },
    { how: 'a --require preload, before otel-instrument starts', node: ['node', '--require', './preload-api.cjs', 'server.cjs'] },
  ];
  for (const { how, node } of runs) {
    test(`the app's @opentelemetry/api ${c.label}, loaded by ${how}`, async (t) => {
      const app = makeTempApp({ apiSource: c.apiSource, fakeVersion: c.fakeVersion });
      t.after(app.cleanup);
      assert.equal(versionOf(app.apiDir), c.expectVersion);
      const receiver = await startReceiver();
      t.after(() => receiver.close());

      const child = spawnCli(node, { cwd: app.dir, env: receiverEnv(receiver) });
      const [, port] = await child.waitForOutput(/listening (\d+)/);
      const response = await httpGet(Number(port), '/work');
      const run = await child.result;
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /OTELI_[WE]_/, 'no warning, no error');
      assert.equal(response.status, 200);
      const seen = JSON.parse(response.body);
      assert.ok(
        seen.apiPath.includes(join(app.dir, 'node_modules', '@opentelemetry', 'api')) ||
          seen.apiPath.includes(`${app.dir}/node_modules/@opentelemetry/api`),
        `the app used its own copy, not the agent's: ${seen.apiPath}`,
      );

      const spans = await receiver.waitForSpans(3);
      // GET (SERVER)                 ours
      // └─ app-work (INTERNAL)       the app's, through its own API copy
      //    └─ some-lib-op (INTERNAL) a library's, through the same copy
      assert.equal(drawTree(spans), 'GET (SERVER)\n└─ app-work (INTERNAL)\n   └─ some-lib-op (INTERNAL)');
      const server = spans.find((s) => s.kind === 'SERVER');
      const appWork = spans.find((s) => s.name === 'app-work');
      const libOp = spans.find((s) => s.name === 'some-lib-op');
      assert.equal(server.parentSpanId, '');
      assert.equal(appWork.parentSpanId, server.spanId);
      assert.equal(libOp.parentSpanId, appWork.spanId);
      assert.deepEqual(new Set(spans.map((s) => s.traceId)).size, 1);
      assert.equal(server.attributes['url.path'], '/work');
      assert.deepEqual(appWork.scope, { name: 'app', version: '1.0.0' });
      assert.deepEqual(libOp.scope, { name: 'some-lib', version: '2.0.0' });
      assert.deepEqual(libOp.attributes, { 'lib.step': 1 });

      // trace.getActiveSpan() in the handler is our SERVER span.
      assert.deepEqual(seen.active && { traceId: seen.active.traceId, spanId: seen.active.spanId }, {
        traceId: server.traceId,
        spanId: server.spanId,
      });
      // context.with made the app's span active, and propagation.inject wrote our traceparent for it.
      assert.equal(seen.activeInWith, appWork.spanId);
      assert.equal(seen.traceparent, `00-${server.traceId}-${appWork.spanId}-01`);
      assert.equal(seen.appSpan.spanId, appWork.spanId);
    });
  }
}

test('a library tracing through the API with no SDK of its own: scope name and version kept', async (t) => {
  const app = makeTempApp({ apiSource: API_PACKAGES['1.4'] });
  t.after(app.cleanup);
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', 'library-only.cjs'], { cwd: app.dir, env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  const printed = JSON.parse(run.stdout);
  const spans = await receiver.waitForSpans(1);
  // some-lib-op (INTERNAL, scope some-lib 2.0.0)
  assert.equal(drawTree(spans), 'some-lib-op (INTERNAL)');
  assert.equal(spans[0].spanId, printed.spanId);
  assert.equal(spans[0].traceId, printed.traceId);
  assert.deepEqual(spans[0].scope, { name: 'some-lib', version: '2.0.0' });
  assert.deepEqual(spans[0].attributes, { 'lib.step': 1 });
});
