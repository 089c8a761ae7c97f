// The W3C Trace Context validation harness (w3c/trace-context test/test.py, unchanged) against a
// service under the CLI, at STRICT_LEVEL=2: once calling out through node:http, once through
// global fetch. The harness sends traceparent / tracestate headers, valid and malformed, to the
// service, and checks what the service's calls back to it carry.
//
//   harness ──POST /test [{url, arguments}] + traceparent, tracestate──▶ service.js  (SERVER span)
//   harness ◀──POST <url> + the traceparent of our CLIENT span, tracestate── service.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, spawnCli } from '../helpers/run-cli.mjs';
import { findHarness, findPython, runHarness } from '../helpers/w3c-harness.mjs';

const harness = findHarness();
const python = findPython();
const skip = harness.missing ?? python.missing ?? false;

for (const client of ['http', 'fetch']) {
  test(`W3C trace-context harness, STRICT_LEVEL=2, calls out with ${client}`, { skip }, async (t) => {
    const service = spawnCli(['node', join(FIXTURES, 'w3c', 'service.js'), client], {
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
    });
    t.after(() => service.kill());
    const [, port] = await service.waitForOutput(/listening (\d+)/);

    const run = await runHarness({
      python: python.found,
      dir: harness.found,
      endpoint: `http://127.0.0.1:${port}/test`,
      // SPEC_LEVEL=1: level 2 (a Candidate Recommendation) adds the random-trace-id flag, which our
      // spans do not yet carry over from a remote parent.
      env: { STRICT_LEVEL: '2', SPEC_LEVEL: '1' },
    });
    service.kill();
    const served = await service.result;
    const why = `harness:\n${run.stdout}\n${run.stderr}\nservice (${client}):\n${served.stdout}\n${served.stderr}`;
    assert.equal(run.code, 0, why);
    assert.match(run.stderr, /^Ran \d+ tests? in /m, why);
    assert.match(run.stderr, /^OK\b/m, why);
    // STRICT_LEVEL=2 means the tracestate limit tests ran too, not skipped as "strict".
    assert.doesNotMatch(run.stderr, /skipped 'strict'/, why);
  });
}
