// The real CLI (`node bin/otel-instrument.js`) on plain-node fixture apps: exit codes, signals,
// argument pass-through, NODE_OPTIONS, usage errors. OTEL_SDK_DISABLED=true keeps the preload
// quiet: these tests are about the launcher, not about spans.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'otel-instrument.js');
const fixture = (name) => join(root, 'test', 'fixtures', 'cli', name);
const registerUrl = pathToFileURL(join(root, 'dist', 'register.mjs')).href;

/** Runs the CLI; `onStdout` sees each stdout chunk with the child process (to send signals). */
function runCli(args, { env = {}, onStdout, onSpawn, cliPath = bin } = {}) {
  return new Promise((resolve, reject) => {
    const baseEnv = { ...process.env, OTEL_SDK_DISABLED: 'true' };
    delete baseEnv.NODE_OPTIONS;
    delete baseEnv.OTEL_SERVICE_NAME;
    const cli = spawn(process.execPath, [cliPath, ...args], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(cli);
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (chunk) => {
      stdout += chunk;
      onStdout?.(stdout, cli);
    });
    cli.stderr.on('data', (chunk) => (stderr += chunk));
    cli.on('error', reject);
    cli.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// The launch path under test: exec where this Node.js has process.execve, unless
// cli-spawn.test.mjs asks for the spawn path (OTEL_NODE_LAUNCHER=spawn) on such a Node.js too.
export const LAUNCH_PATH = process.env.OTEL_NODE_LAUNCHER === 'spawn' || typeof process.execve !== 'function' ? 'spawn' : 'exec';
const test = (name, ...rest) => nodeTest(`[${LAUNCH_PATH}] ${name}`, ...rest);

function lines(text) {
  return text.split('\n').filter((l) => l !== '');
}

for (const code of [0, 1, 7]) {
  test(`the child's exit code ${code} is mirrored`, async () => {
    const result = await runCli(['node', fixture('exit-with.js'), String(code)]);
    assert.equal(result.code, code, result.stderr);
  });
}

// On both launch paths (exec: the app is this process; spawn: the CLI re-raises the signal).
for (const signal of ['SIGKILL', 'SIGTERM']) {
  test(`a child killed by ${signal} makes the CLI die of ${signal} too`, async () => {
    const result = await runCli(['node', fixture('kill-self.js'), signal]);
    assert.equal(result.signal, signal, result.stderr);
    assert.equal(result.code, null);
  });
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  // The timeout turns "the signal was never delivered" (child and CLI wait forever) into a failure.
  test(`${signal} sent to the CLI reaches the child, which handles it and exits 0`, { timeout: 30_000 }, async (t) => {
    const spawned = [];
    t.after(() => {
      for (const pid of spawned) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone, as it should be
        }
      }
    });
    let sent = false;
    const result = await runCli(['node', fixture('handle-signal.js'), signal], {
      onStdout: (stdout, cli) => {
        const ready = /ready (\d+)/.exec(stdout);
        if (!sent && ready) {
          sent = true;
          spawned.push(Number(ready[1]));
          cli.kill(signal);
        }
      },
      onSpawn: (cli) => spawned.push(cli.pid),
    });
    assert.ok(sent, 'the fixture never became ready');
    assert.equal(result.signal, null, 'the CLI itself must not die of the signal');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`got ${signal}`));
  });
}

test('OTEL_SERVICE_NAME flag before the command; the app arguments pass through untouched', async () => {
  const appArgs = ['--port', '3', '--service_name', 'y', '', 'two words', 'ünïcode', '--', '-x', '--help', '--version'];
  const result = await runCli(['--service_name', 'x', 'node', fixture('print-env.js'), ...appArgs]);
  assert.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(result.stdout);
  assert.deepEqual(seen.argv, appArgs);
  assert.equal(seen.serviceName, 'x');
});

test('OTEL_SERVICE_NAME from the environment reaches the child; a flag overrides it', async () => {
  const fromEnv = await runCli(['node', fixture('print-env.js')], { env: { OTEL_SERVICE_NAME: 'from-env' } });
  assert.equal(JSON.parse(fromEnv.stdout).serviceName, 'from-env');
  const fromFlag = await runCli(['--service-name', 'from-flag', 'node', fixture('print-env.js')], { env: { OTEL_SERVICE_NAME: 'from-env' } });
  assert.equal(JSON.parse(fromFlag.stdout).serviceName, 'from-flag');
});

test('NODE_OPTIONS keeps the user options and gains the preload once', async () => {
  assert.ok(existsSync(fileURLToPath(registerUrl)), 'dist/register.mjs is missing: build it first');
  const result = await runCli(['node', fixture('print-env.js')], { env: { NODE_OPTIONS: '--max-old-space-size=200 --no-deprecation' } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).nodeOptions, `--max-old-space-size=200 --no-deprecation --import ${registerUrl}`);
});

test('NODE_OPTIONS gains the preload once even when otel-instrument runs otel-instrument', async () => {
  const result = await runCli(['node', bin, 'node', fixture('print-env.js')], { env: { NODE_OPTIONS: '--no-deprecation' } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).nodeOptions, `--no-deprecation --import ${registerUrl}`);
});

test('NODE_OPTIONS preload works from an install path with spaces', async (t) => {
  // A copy of the package under a directory with spaces: the file URL (%20) needs no quoting.
  const dir = join(mkdtempSync(join(tmpdir(), 'oteli cli ')), 'my app');
  t.after(() => rmSync(dirname(dir), { recursive: true, force: true }));
  cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const result = await runCli(['node', fixture('print-env.js'), 'ok'], { cliPath: join(dir, 'bin', 'otel-instrument.js') });
  assert.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(result.stdout);
  assert.deepEqual(seen.argv, ['ok']);
  assert.equal(seen.nodeOptions, `--import ${pathToFileURL(join(dir, 'dist', 'register.mjs')).href}`);
  assert.match(seen.nodeOptions, /%20/);
});

test('a missing command: one line on stderr, exit 2', async () => {
  const result = await runCli(['--service_name', 'x']);
  assert.equal(result.code, 2);
  assert.equal(lines(result.stderr).length, 1, result.stderr);
  assert.match(result.stderr, /^otel-instrument: missing command/);
});

test('an unknown flag: one line on stderr, exit 2, no stack', async () => {
  const result = await runCli(['--no-such-flag', 'x', 'node', fixture('exit-with.js'), '0']);
  assert.equal(result.code, 2);
  assert.equal(lines(result.stderr).length, 1, result.stderr);
  assert.match(result.stderr, /unknown option '--no-such-flag'/);
});

test('a command not found: one line, exit 127', async () => {
  const result = await runCli(['no-such-command-oteli-test', 'arg']);
  assert.equal(result.code, 127);
  assert.equal(result.stderr, 'otel-instrument: command not found: no-such-command-oteli-test\n');
});

test('a command that is not executable: one line, exit 126', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oteli-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'not-executable.sh');
  writeFileSync(script, '#!/bin/sh\nexit 0\n');
  chmodSync(script, 0o644);
  const result = await runCli([script]);
  assert.equal(result.code, 126);
  assert.equal(lines(result.stderr).length, 1, result.stderr);
});

test('--help lists OTEL_SERVICE_NAME and exits 0', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /--service_name <value>\s+OTEL_SERVICE_NAME/);
  assert.match(result.stdout, /OTEL_EXPORTER_OTLP_ENDPOINT[^\n]*\(default: http:\/\/localhost:4318\)/);
});

test('--version prints the version and exits 0', async () => {
  const result = await runCli(['--version']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^\d+\.\d+\.\d+\S*\n$/);
});

test('the CLI loads no SDK, hooks or instrumentation code', async () => {
  const result = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture('print-loaded-modules.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
  assert.equal(result.code, 0);
  const loaded = JSON.parse(result.out).map((p) => p.split('\\').join('/'));
  const heavy = loaded.filter((p) => /\/dist\/(sdk|hooks|instrumentations|exporters|kit|agent\/(?!signal-report))|@opentelemetry|in-the-middle/.test(p));
  assert.deepEqual(heavy, []);
  assert.ok(loaded.some((p) => p.endsWith('/dist/cli/index.js')), 'sanity: the CLI itself was loaded');
  // commander only for what the common command line does not cover (src/cli/common-case.ts).
  assert.deepEqual(loaded.filter((p) => p.includes('/commander/')), []);
});

// Ctrl-C in a terminal reaches the whole foreground process group; the CLI must not add a second
// SIGINT of its own. `script` gives the CLI a real pseudo-terminal; ^C on it is the tty's SIGINT.
const hasScript = spawnSyncQuiet('script', ['--version']);
function spawnSyncQuiet(cmd, args) {
  try {
    return execFileSync(cmd, args, { stdio: 'ignore' }) !== undefined;
  } catch {
    return false;
  }
}

test('Ctrl-C in a terminal reaches the app once, not twice', { skip: !hasScript && 'script(1) not found' }, async () => {
  // `exec`: script(1) runs the command through $SHELL -c, and a shell that stays (dash does) would
  // sit in the foreground group and die of the same ^C, making script report 130 whatever we do.
  const command = `exec ${[process.execPath, join(root, 'bin', 'otel-instrument.js'), '--traces_exporter', 'none', 'node', fixture('count-signals.js'), 'SIGINT']
    .map((a) => `'${a}'`)
    .join(' ')}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('OTEL_'))),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const sawReady = new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/ready \d+/.test(out)) resolve();
    });
  });
  await sawReady;
  child.stdin.write('\x03');
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, out);
  assert.match(out, /count 1\b/);
});
