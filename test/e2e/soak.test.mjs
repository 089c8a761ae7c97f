// A short soak (npm run soak runs the full minute): every span accounted for with the collector
// flapping under load, see test/soak/soak.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak, verdicts } from '../soak/soak.mjs';

test('soak: express + pg under load, the collector flapping every second: nothing lost silently, RSS flat', async () => {
  const result = await runSoak({ durationMs: 10000, flapMs: 1000, concurrency: 4 });
  const failing = verdicts(result).filter(([holds]) => !holds).map(([, what]) => what);
  assert.deepEqual(failing, [], JSON.stringify({ ...result, stderrTail: undefined }, null, 2) + '\n' + result.stderrTail);
  assert.ok(result.flaps >= 5 && result.spans.received > 0 && result.spans.failed + result.spans.dropped > 0, 'the collector was down for part of the run');
});
