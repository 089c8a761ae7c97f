// Libraries with the names and versions we instrument but an unexpected shape
// (test/fixtures/odd-calls/shapes.mjs: a pg whose Client has no query, is not a function, or
// exports a number; an express whose Router is not a function or that has no `application`; a
// router 2 that exports a number; a fastify that publishes odd messages on its channel): the app
// runs as it does without the agent, with at most one line of ours on stderr, which is a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { agentLines, ODD_CALLS, runBothWays, transcript } from '../helpers/odd-calls.mjs';
import { SCENARIOS } from '../fixtures/odd-calls/shapes.mjs';

// The warning each scenario gets (undefined: none at all). A Client that lacks only `query`
// still has its connect traced, so nothing is said about it.
const WARNINGS = {
  'pg-client-without-query': undefined,
  'pg-client-not-a-function': /OTELI_W_UNEXPECTED_SHAPE: pg: pg\/lib\/client\.js@8\.0\.3 .* has none of the functions its patch wraps/,
  'pg-exports-primitives': /OTELI_W_UNEXPECTED_SHAPE: pg: pg\/lib\/client\.js@8\.23\.1 .* exports a number/,
  'pg-client-locked': /OTELI_W_UNEXPECTED_SHAPE: pg: pg\/lib\/client\.js@8\.7\.0 .* has none of the functions/,
  'pg-bad-version': /OTELI_W_UNSUPPORTED_VERSION: pg: pg version eight is outside the supported range/,
  'express-router-not-a-function': /OTELI_W_UNEXPECTED_SHAPE: express: express\/lib\/router\/index\.js@4\.18\.2 .* has none of the functions/,
  'express-without-application': /OTELI_W_UNEXPECTED_SHAPE: express: express\/lib\/router\/layer\.js@4\.6\.0 .* has none of the functions/,
  'express5-odd-router': /OTELI_W_UNEXPECTED_SHAPE: express: router@2\.2\.0 .* exports a number/,
  'fastify-odd-channel': undefined,
};

test('every scenario has its expected warning written down', () => {
  assert.deepEqual(Object.keys(WARNINGS).sort(), Object.keys(SCENARIOS).sort());
});

for (const [name, files] of Object.entries(SCENARIOS)) {
  for (const app of ['app.cjs', 'app.mjs'].filter((file) => file in files)) {
    test(`${name} (${app}): runs as without the agent, with at most one warning`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), `oteli-shape-${name}-`));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      copyFileSync(join(ODD_CALLS, 'transcript.cjs'), join(dir, 'transcript.cjs'));
      const { traced, bare } = await runBothWays(t, join(dir, app), { cwd: dir });
      assert.ok(transcript(bare).some(([label]) => label === 'done'), bare.stdout);
      const lines = agentLines(traced.stderr);
      if (WARNINGS[name] === undefined) {
        assert.deepEqual(lines, []);
      } else {
        assert.equal(lines.length, 1, traced.stderr);
        assert.match(lines[0], /^\[otel-instrument\] warn OTELI_W_/);
        assert.match(lines[0], WARNINGS[name]);
      }
    });
  }
}
