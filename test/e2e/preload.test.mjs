// The preload without the CLI (--require / --import), loaded twice, and skipped in npm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, runNode, receiverEnv, FIXTURES, REGISTER_CJS, REGISTER_MJS } from '../helpers/run-cli.mjs';

const fixture = (name) => join(FIXTURES, 'basic', name);

test('node --require otel-instrument/register app.js traces a CJS app', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runNode(['--require', REGISTER_CJS, fixture('hello.js')], {
    env: receiverEnv(receiver, { OTEL_SERVICE_NAME: 'via-require' }),
  });
  assert.equal(run.code, 0, run.stderr);
  const spans = await receiver.waitForSpans(2);
  assert.equal(spans[0].resource.attributes['service.name'], 'via-require');
});

test('node --import otel-instrument/register app.mjs traces an ESM app', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runNode(['--import', pathToFileURL(REGISTER_MJS).href, fixture('manual-spans.mjs')], {
    env: receiverEnv(receiver, { OTEL_SERVICE_NAME: 'via-import' }),
  });
  assert.equal(run.code, 0, run.stderr);
  const spans = await receiver.waitForSpans(2);
  assert.equal(spans[0].resource.attributes['service.name'], 'via-import');
});

test('the package exports ./register for both require and import', async () => {
  const run = await runNode([
    '--input-type=module',
    '-e',
    "import { createRequire } from 'node:module'; const r = createRequire(process.cwd() + '/'); console.log(r.resolve('otel-instrument/register')); console.log(import.meta.resolve('otel-instrument/register'));",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const [cjs, esm] = run.stdout.trim().split('\n');
  assert.match(cjs, /dist\/register\.js$/);
  assert.match(esm, /dist\/register\.mjs$/);
});

test('--require and --import together (and the CLI on top) start one agent', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', '--require', REGISTER_CJS, '--import', pathToFileURL(REGISTER_MJS).href, fixture('hello.js')], {
    env: receiverEnv(receiver, { OTEL_LOG_LEVEL: 'info' }),
  });
  assert.equal(run.code, 0, run.stderr);
  const spans = await receiver.waitForSpans(2);
  assert.equal(spans.length, 2, 'each span exported once');
  assert.equal(run.stderr.match(/otel-instrument \d+\.\d+\.\d+ service=/g)?.length, 1, run.stderr);
});

// Node runs --require preloads before --import ones, whatever their order on the command line.
// --require first starts the agent before the ESM loader exists; the --import entry must still
// give the running agent its import hook, or the ES module's own `import … from 'node:http'`
// (nothing else loads http) is never patched.
for (const order of [['--require', '--import'], ['--import', '--require']]) {
  test(`${order.join(' then ')}: an ES module's import of node:http is traced`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const flags = order.flatMap((flag) => (flag === '--require' ? ['--require', REGISTER_CJS] : ['--import', pathToFileURL(REGISTER_MJS).href]));
    const run = await runNode([...flags, fixture('esm-http.mjs')], { env: receiverEnv(receiver) });
    assert.equal(run.code, 0, run.stderr);
    // GET (CLIENT)
    // └─ GET (SERVER)
    const spans = await receiver.waitForSpans(2);
    assert.deepEqual(spans.map((s) => `${s.name} ${s.kind}`).sort(), ['GET CLIENT', 'GET SERVER']);
    const client = spans.find((s) => s.kind === 'CLIENT');
    assert.equal(spans.find((s) => s.kind === 'SERVER').parentSpanId, client.spanId);
  });
}

test('otel-instrument npm run start traces the app, not npm', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['npm', 'run', '--silent', 'start'], {
    cwd: join(FIXTURES, 'npm-app'),
    env: receiverEnv(receiver, { OTEL_LOG_LEVEL: 'info' }),
  });
  assert.equal(run.code, 0, run.stderr);
  const [, appPid] = run.stdout.match(/app pid (\d+)/);
  const spans = await receiver.waitForSpans(1);
  assert.equal(spans[0].name, 'npm-app-work');
  assert.equal(spans[0].resource.attributes['process.pid'], Number(appPid));
  // one startup preamble: the app's; npm's process skipped the agent
  assert.equal(run.stderr.match(/otel-instrument \d+\.\d+\.\d+ service=/g)?.length, 1, run.stderr);
});

test('worker threads are not instrumented; the main thread is', async () => {
  const run = await runCli(['--traces_exporter', 'none', 'node', fixture('worker-thread.js')]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { main: true, worker: false });
});
