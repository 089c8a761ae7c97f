// The launcher's pure parts: finding the command on PATH (127 / 126 as execvp and `env` report
// them) and the ledger that keeps the spawn path from forwarding a signal the child already got.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { resolveCommand } = require('../../dist/cli/resolve-command.js');
const { SignalLedger } = require('../../dist/cli/signal-ledger.js');

function tempDirs(t) {
  const root = mkdtempSync(join(tmpdir(), 'oteli-resolve-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const make = (name, files) => {
    const dir = join(root, name);
    mkdirSync(dir);
    for (const [file, mode] of Object.entries(files)) {
      writeFileSync(join(dir, file), '#!/bin/sh\n');
      chmodSync(join(dir, file), mode);
      if (mode === 'dir') mkdirSync(join(dir, file));
    }
    return dir;
  };
  return { root, make };
}

test('resolveCommand: the first runnable match on PATH wins; one that cannot run is skipped', (t) => {
  const { make } = tempDirs(t);
  const a = make('a', { tool: 0o644 });
  const b = make('b', { tool: 0o755 });
  assert.deepEqual(resolveCommand('tool', `${a}:${b}`), { ok: true, path: join(b, 'tool') });
});

test('resolveCommand: found but never runnable is 126, not found is 127', (t) => {
  const { make } = tempDirs(t);
  const a = make('a', { tool: 0o644 });
  assert.deepEqual(resolveCommand('tool', a), { ok: false, exitCode: 126, message: 'permission denied: tool' });
  assert.deepEqual(resolveCommand('other', a), { ok: false, exitCode: 127, message: 'command not found: other' });
  assert.equal(resolveCommand('', a).exitCode, 127);
});

test('resolveCommand: a name with a slash is a path, never looked up on PATH', (t) => {
  const { make } = tempDirs(t);
  const a = make('a', { tool: 0o755 });
  assert.deepEqual(resolveCommand(join(a, 'tool'), '/nonexistent'), { ok: true, path: join(a, 'tool') });
  assert.equal(resolveCommand(a, '/nonexistent').exitCode, 126, 'a directory cannot be run');
  assert.equal(resolveCommand('./no-such-file', a).exitCode, 127);
});

test('SignalLedger: a report before our signal absorbs it (the group delivered both)', () => {
  const ledger = new SignalLedger(200, () => 1000);
  let forwarded = 0;
  ledger.childReceived('SIGTERM');
  ledger.cliReceived('SIGTERM', () => forwarded++);
  assert.equal(forwarded, 0);
  ledger.stop();
});

test('SignalLedger: a report after our signal cancels the forward; none forwards once after the window', async () => {
  const ledger = new SignalLedger(30);
  let forwarded = 0;
  ledger.cliReceived('SIGTERM', () => forwarded++);
  ledger.childReceived('SIGTERM');
  ledger.cliReceived('SIGINT', () => forwarded++);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(forwarded, 1, 'SIGINT had no report; SIGTERM had');
});

test('SignalLedger: an old report, or one of another signal, absorbs nothing', async () => {
  let now = 1000;
  const ledger = new SignalLedger(30, () => now);
  const forwards = [];
  ledger.childReceived('SIGTERM');
  now += 500; // a signal sent to the child alone, long ago
  ledger.cliReceived('SIGTERM', () => forwards.push('SIGTERM'));
  ledger.childReceived('SIGHUP');
  ledger.cliReceived('SIGINT', () => forwards.push('SIGINT'));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(forwards, ['SIGTERM', 'SIGINT']);
});

test('SignalLedger: stop() drops the forwards still waiting (the child has exited)', async () => {
  const ledger = new SignalLedger(30);
  let forwarded = 0;
  ledger.cliReceived('SIGTERM', () => forwarded++);
  ledger.stop();
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(forwarded, 0);
});
