// The launcher as a Unix citizen (issue 15), on every launch path this Node.js has: exec (the CLI
// becomes the app) where process.execve exists, spawn (the CLI is the app's parent) everywhere.
// The app must get each signal once, whoever sent it, and its death must be the CLI's death.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, FIXTURES, cleanEnv } from '../helpers/run-cli.mjs';

const fixture = (name) => join(FIXTURES, 'cli', name);
const PATHS = typeof process.execve === 'function' ? ['exec', 'spawn'] : ['spawn'];

/**
 * Runs the CLI in a process group of its own (as a shell's job, `setsid`, or systemd's service
 * would), so that the test can signal the whole group. Resolves with how the CLI ended.
 */
function runInOwnGroup(args, { path, env = {}, stdin = 'ignore' } = {}) {
  const cli = spawn(process.execPath, [CLI, ...args], {
    detached: true,
    env: cleanEnv({ OTEL_NODE_LAUNCHER: path, OTEL_TRACES_EXPORTER: 'none', ...env }),
    stdio: [stdin, 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const readyWaiters = [];
  cli.stdout.on('data', (chunk) => {
    stdout += chunk;
    const ready = /ready (\d+) (\d+)/.exec(stdout);
    if (ready) readyWaiters.splice(0).forEach((resolve) => resolve({ pid: Number(ready[1]), ppid: Number(ready[2]) }));
  });
  cli.stderr.on('data', (chunk) => (stderr += chunk));
  const ended = new Promise((resolve) => cli.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const killGroup = (signal) => {
    try {
      process.kill(-cli.pid, signal);
    } catch {
      // the group is gone
    }
  };
  const timer = setTimeout(() => killGroup('SIGKILL'), 20_000);
  ended.then(() => clearTimeout(timer));
  return { cli, ended, ready: () => new Promise((resolve) => readyWaiters.push(resolve)), killGroup };
}

for (const path of PATHS) {
  test(`[${path}] a SIGTERM sent to the whole process group reaches the app exactly once`, async () => {
    const run = runInOwnGroup(['node', fixture('count-signals.js'), 'SIGTERM'], { path });
    await run.ready();
    run.killGroup('SIGTERM');
    const result = await run.ended;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^count 1$/m);
  });

  test(`[${path}] a SIGTERM sent to the CLI alone reaches the app exactly once`, async () => {
    const run = runInOwnGroup(['node', fixture('count-signals.js'), 'SIGTERM'], { path });
    await run.ready();
    run.cli.kill('SIGTERM');
    const result = await run.ended;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^count 1$/m);
  });

  for (const signal of ['SIGTERM', 'SIGINT']) {
    for (const [how, env] of [['untraced', { OTEL_SDK_DISABLED: 'true' }], ['traced', {}]]) {
      // Traced, the agent's own listener flushes, then re-raises: the death is the same.
      test(`[${path}] an app with no ${signal} handler (${how}) dies of it, and the CLI's parent sees the signal`, async () => {
        const run = runInOwnGroup(['node', fixture('no-handler.js')], { path, env });
        await run.ready();
        run.cli.kill(signal);
        const result = await run.ended;
        assert.equal(result.signal, signal, `code ${result.code}, stderr: ${result.stderr}`);
        assert.equal(result.code, null);
      });
    }
  }

  test(`[${path}] stdin reaches the app`, async () => {
    const run = runInOwnGroup(['node', fixture('echo-stdin.js')], { path, stdin: 'pipe' });
    run.cli.stdin.end('hello from the pipe');
    const result = await run.ended;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'got: hello from the pipe\n');
  });
}

if (PATHS.includes('exec')) {
  test('[exec] the app is the CLI process: same pid, and its parent is the CLI\'s parent', async () => {
    const run = runInOwnGroup(['node', fixture('no-handler.js')], { path: 'exec' });
    const { pid, ppid } = await run.ready();
    assert.equal(pid, run.cli.pid, 'the app runs in the process the test started');
    assert.equal(ppid, process.pid, 'no second process sits between the test and the app');
    const children = (() => {
      try {
        return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    assert.equal(children, '', 'the app has no child process (no resident launcher)');
    run.killGroup('SIGTERM');
    await run.ended;
  });
}

test('[exec] OTEL_NODE_LAUNCHER=exec on a Node.js without process.execve falls back to spawn', { skip: PATHS.includes('exec') && 'this Node.js has process.execve' }, async () => {
  const run = runInOwnGroup(['node', fixture('no-handler.js')], { path: 'exec' });
  const { ppid } = await run.ready();
  assert.equal(ppid, run.cli.pid, 'the app is the CLI\'s child');
  run.killGroup('SIGTERM');
  assert.equal((await run.ended).signal, 'SIGTERM');
});

test('OTEL_NODE_LAUNCHER with a bad value: one warning, the default path, the app runs', async () => {
  const run = runInOwnGroup(['node', fixture('no-handler.js')], { path: 'teleport' });
  const { ppid } = await run.ready();
  assert.equal(ppid === process.pid, PATHS.includes('exec'), 'exec where Node.js can, spawn elsewhere');
  run.killGroup('SIGTERM');
  const result = await run.ended;
  const warnings = result.stderr.split('\n').filter((line) => line.includes('OTELI_W_INVALID_ENV'));
  assert.equal(warnings.length, 1, result.stderr);
  assert.match(warnings[0], /OTEL_NODE_LAUNCHER="teleport" is not one of exec, spawn; using exec/);
});

// bash stops a loop after Ctrl-C only when the foreground command died of SIGINT (it "waits and
// exits cooperatively"); a command that exited 130 instead is taken to have handled it, and the
// loop goes on. `script` gives a real terminal, whose ^C signals the foreground group.
const hasTools = ['script', 'bash'].every((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

for (const path of PATHS) {
  test(`[${path}] a shell loop over otel-instrument stops at the first Ctrl-C`, { skip: !hasTools && 'needs script(1) and bash' }, async () => {
    const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cli = [process.execPath, CLI, 'node', fixture('no-handler.js')].map(quote).join(' ');
    const loop = `for i in 1 2; do echo "round $i"; ${cli}; done; echo "loop ended"`;
    const child = spawn('script', ['-qec', `exec bash -c ${quote(loop)}`, '/dev/null'], {
      env: cleanEnv({ OTEL_NODE_LAUNCHER: path, OTEL_TRACES_EXPORTER: 'none' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let interrupts = 0;
    child.stdout.on('data', (d) => {
      out += d;
      // Interrupt each round once: a loop that goes on shows "round 2" and needs a second ^C.
      const rounds = (out.match(/ready \d+/g) ?? []).length;
      if (rounds > interrupts) {
        interrupts++;
        child.stdin.write('\x03');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.match(out, /round 1/);
    assert.doesNotMatch(out, /round 2/, out);
    assert.doesNotMatch(out, /loop ended/, out);
  });
}

// A container runs its command as PID 1, and the kernel ignores a signal's default action for
// PID 1: an app with no SIGTERM handler would run on until the runtime's SIGKILL. `unshare` gives
// the CLI a PID namespace of its own, where it (and, on the exec path, the app) is PID 1.
const canUnshare = (() => {
  try {
    return execFileSync('unshare', ['-fp', '--mount-proc', process.execPath, '-p', 'process.pid'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === '1';
  } catch {
    return false;
  }
})();

for (const path of PATHS) {
  test(`[${path}] as PID 1 (a container), an app with no SIGTERM handler still ends on SIGTERM, exit 143`, { skip: !canUnshare && 'needs unshare(1) with PID namespaces (root)' }, async () => {
    // --kill-child: a test that times out kills the namespace's init with unshare, not just unshare.
    const container = spawn('unshare', ['-fp', '--kill-child', '--mount-proc', process.execPath, CLI, 'node', fixture('no-handler.js')], {
      env: cleanEnv({ OTEL_NODE_LAUNCHER: path, OTEL_TRACES_EXPORTER: 'none' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    container.stderr.on('data', (d) => (stderr += d));
    const ready = new Promise((resolve) => container.stdout.on('data', (d) => (stdout += d) && /ready/.test(stdout) && resolve()));
    const ended = new Promise((resolve) => container.on('close', (code, signal) => resolve({ code, signal })));
    const timer = setTimeout(() => container.kill('SIGKILL'), 15_000);
    await ready;
    // The namespace's PID 1, seen from here: unshare's only child.
    const init = Number(execFileSync('pgrep', ['-P', String(container.pid)], { encoding: 'utf8' }).trim());
    process.kill(init, 'SIGTERM');
    const result = await ended;
    clearTimeout(timer);
    assert.deepEqual(result, { code: 143, signal: null }, `${stdout}${stderr}`);
  });
}
