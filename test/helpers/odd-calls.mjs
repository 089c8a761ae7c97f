// The odd-calls tests (test/e2e/odd-*.test.mjs): a fixture prints a transcript of everything the
// app observes (test/fixtures/odd-calls/transcript.cjs); it runs bare and under the real CLI,
// and the two transcripts must be the same line for line.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { startReceiver } from './otlp-receiver.mjs';
import { FIXTURES, receiverEnv, runCli, runNode } from './run-cli.mjs';

export const ODD_CALLS = join(FIXTURES, 'odd-calls');

/**
 * A fixture of test/fixtures/odd-calls/ copied into `dir` (a version folder of the matrix, whose
 * node_modules then resolve under their real names), with the transcript helper next to it.
 */
export function oddFixtureIn(dir, name) {
  const target = join(dir, '.apps', name);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(ODD_CALLS, name), target);
  copyFileSync(join(ODD_CALLS, 'transcript.cjs'), join(dirname(target), 'transcript.cjs'));
  return target;
}

/** The agent's own stderr lines, but for the start-up preamble (info level, printed on every run). */
export function agentLines(stderr) {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('[otel-instrument]') && !/^\[otel-instrument\] otel-instrument \S+ service=/.test(line));
}

/**
 * Runs `file` bare and under the CLI (exporting to a receiver of its own), asserts equal exit
 * codes and transcripts, and resolves with both runs and the receiver (closed after the test).
 */
export async function runBothWays(t, file, { env = {}, expectCode = 0, cwd } = {}) {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  {
    const options = { env, cwd: cwd ?? dirname(file) };
    const [bare, traced] = await Promise.all([
      runNode([file], options),
      runCli(['node', file], { ...options, env: receiverEnv(receiver, env) }),
    ]);
    assert.equal(bare.code, expectCode, `bare run of ${basename(file)}:\n${bare.stdout}\n${bare.stderr}`);
    assert.equal(traced.code, bare.code, `traced run of ${basename(file)}:\n${traced.stderr}`);
    // Line by line, so that a failure names the first line that differs.
    const bareLines = bare.stdout.split('\n');
    const tracedLines = traced.stdout.split('\n');
    for (let i = 0; i < Math.max(bareLines.length, tracedLines.length); i++) {
      assert.equal(tracedLines[i], bareLines[i], `${basename(file)}: line ${i + 1} of the transcript differs under the agent`);
    }
    return { bare, traced, receiver };
  }
}

/** The transcript's lines as [label, ...values]. */
export function transcript(run) {
  return run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}
