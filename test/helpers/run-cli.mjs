// Runs the real CLI (`node bin/otel-instrument.js …`) the way a user does, with a clean
// environment: none of the developer's OTEL_* or NODE_OPTIONS leak into a test.
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'otel-instrument.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const REGISTER_MJS = join(ROOT, 'dist', 'register.mjs');
export const REGISTER_CJS = join(ROOT, 'dist', 'register.js');

export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k === 'NODE_OPTIONS' || k.startsWith('NODE_TEST')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** The agent's warning and error lines in a run's stderr (its preamble is an info line). */
export function agentWarnings(stderr) {
  return stderr.split('\n').filter((line) => /^\[otel-instrument\] (warn|error)\b/.test(line));
}

/** Env that points the agent at an in-test receiver and keeps batches small and quick. */
export function receiverEnv(receiver, extra = {}) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  };
}

/**
 * SIGKILLs a process and everything below it. A timed-out CLI's app would otherwise live on,
 * holding the pipes open, and the test would wait forever instead of failing.
 */
function killTree(pid) {
  let children = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    // no children, or no pgrep
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  for (const child of children) killTree(child);
}

/**
 * Spawns any command (default: node) with a clean env; returns the child with `result`
 * (Promise<{ code, signal, stdout, stderr }>) and `waitForOutput(regex, { stream })`.
 */
export function spawnProcess(command, args, { cwd = ROOT, env = {}, timeoutMs = 30000 } = {}) {
  const child = spawn(command, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const waiters = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      const m = out[w.stream].match(w.regex);
      if (m) {
        waiters.splice(i, 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d) => { out.stdout += d; check(); });
  child.stderr.setEncoding('utf8').on('data', (d) => { out.stderr += d; check(); });
  const timer = setTimeout(() => killTree(child.pid), timeoutMs);
  child.result = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) {
        w.reject(new Error(`process ended before ${w.regex} appeared on ${w.stream}:\n${out.stdout}\n${out.stderr}`));
      }
      resolve({ code, signal, stdout: out.stdout, stderr: out.stderr });
    });
  });
  child.waitForOutput = (regex, { stream = 'stdout' } = {}) =>
    new Promise((resolve, reject) => {
      waiters.push({ regex, stream, resolve, reject });
      check();
    });
  return child;
}

export function spawnCli(args, opts = {}) {
  return spawnProcess(process.execPath, [CLI, ...args], opts);
}

export function runCli(args, opts = {}) {
  return spawnCli(args, opts).result;
}

/** Runs `node <args>` without the CLI (for the --require / --import routes). */
export function runNode(args, opts = {}) {
  return spawnProcess(process.execPath, args, opts).result;
}
