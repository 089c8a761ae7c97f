// Never break the host app: its crashes, errors, return values and `this` are the same traced
// and untraced. Each fixture runs twice, bare and under the CLI, and the results are compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, runNode, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';

const fixture = (name) => join(FIXTURES, 'basic', name);

for (const [name, message] of [
  ['throwing-handler.js', 'handler exploded'],
  ['throwing-response-callback.js', 'response callback exploded'],
]) {
  test(`an uncaught error in the app's listener (${name}) crashes it the same way, traced or not`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const bare = await runNode([fixture(name)]);
    const traced = await runCli(['node', fixture(name)], { env: receiverEnv(receiver) });
    assert.equal(bare.code, 1);
    assert.equal(traced.code, bare.code);
    for (const run of [bare, traced]) {
      assert.match(run.stderr, new RegExp(`RangeError: ${message}`));
      assert.match(run.stderr, /appMarker: 42/);
    }
    // The first frame of the app's stack is the app's own code, not a wrapper of ours.
    const firstFrame = (stderr) => stderr.split('\n').find((l) => /^\s+at /.test(l));
    assert.equal(firstFrame(traced.stderr), firstFrame(bare.stderr));
    // So is the source line Node prints above the stack (where the error was thrown, with its
    // caret): a wrapper that caught and re-threw would put its own line there.
    const origin = (stderr) => stderr.split('\n').filter((l) => !l.startsWith('[otel-instrument]')).slice(0, 3).join('\n');
    assert.equal(origin(traced.stderr), origin(bare.stderr));
  });
}

test('errors, return values and this pass through http and fetch unchanged', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const bare = await runNode([fixture('rejecting-app.mjs')]);
  const traced = await runCli(['node', fixture('rejecting-app.mjs')], { env: receiverEnv(receiver) });
  assert.equal(bare.code, 0, bare.stderr);
  assert.equal(traced.code, 0, traced.stderr);
  const expected = JSON.parse(bare.stdout);
  assert.deepEqual(JSON.parse(traced.stdout), expected);
  assert.equal(expected.thisIsServer, true);
  assert.equal(expected.listenReturnsServer, true);
  assert.equal(expected.syncError.code, 'ERR_INVALID_PROTOCOL');
  assert.equal(expected.fetchError.message, 'fetch failed');
  // and it was traced: the SERVER span, the http.get CLIENT span, the failed fetch's CLIENT span
  // (a gopher: request is no HTTP request: Node refuses it before anything is sent, no span)
  const spans = await receiver.waitForSpans(3);
  assert.deepEqual(spans.map((s) => `${s.kind} ${s.status.code}`).sort(), ['CLIENT ERROR', 'CLIENT UNSET', 'SERVER UNSET']);
});
