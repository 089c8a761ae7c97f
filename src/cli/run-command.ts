/**
 * Runs the user's command with the preload in NODE_OPTIONS, inherited stdio and forwarded
 * signals, then exits the way the command did: its exit code, or 128+n when it died of signal n
 * (the shell convention, so `$?` reads the same as without us).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { log } from '../log';

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const COMMAND_NOT_FOUND_EXIT_CODE = 127;
const CANNOT_EXECUTE_EXIT_CODE = 126;

/** file:// URL of dist/register.mjs. A URL needs no quoting in NODE_OPTIONS even with spaces (%20). */
export function registerModuleUrl(): string {
  return pathToFileURL(join(__dirname, '..', 'register.mjs')).href;
}

/**
 * NODE_OPTIONS with `--import <registerUrl>` appended after what the user had, unless an
 * `--import` of our preload is already there (a nested `otel-instrument`, or the user's own).
 */
export function nodeOptionsWithPreload(existing: string | undefined, registerUrl: string): string {
  const current = (existing ?? '').trim();
  const already = current.split(/\s+/).some((token, i, tokens) => {
    const target = token.startsWith('--import=') ? token.slice('--import='.length) : token === '--import' ? tokens[i + 1] : undefined;
    return target !== undefined && (target === registerUrl || target.replace(/^["']|["']$/g, '') === 'otel-instrument/register');
  });
  if (already) return current;
  const preload = `--import ${registerUrl}`;
  return current === '' ? preload : `${current} ${preload}`;
}

export function exitCodeFor(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

function forwardSignals(child: ChildProcess): () => void {
  // Ctrl-C in a terminal signals the whole foreground process group, the child included:
  // forwarding would deliver a second SIGINT, and an app that treats a second Ctrl-C as "force
  // quit" would behave differently under us. With our stdin on a terminal we leave SIGINT to the
  // terminal; otherwise (pipes, containers, `kill <pid>`) we forward it.
  const terminalDeliversSigint = process.stdin.isTTY === true;
  // Having a listener also keeps the default action (death) away from us while the child runs:
  // the child decides what a signal means, and we exit the way it did.
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (signal === 'SIGINT' && terminalDeliversSigint) return;
      try {
        child.kill(signal);
      } catch {
        // The child is already gone; its 'exit' event will end us.
      }
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}

/** Spawns the command and exits this process when it ends. Never returns normally to do more work. */
export function runCommand(command: readonly string[], envOverrides: Readonly<Record<string, string>>): void {
  const [file, ...args] = command;
  const env: NodeJS.ProcessEnv = { ...process.env, ...envOverrides };
  const registerUrl = registerModuleUrl();
  if (existsSync(fileURLToPath(registerUrl))) {
    env.NODE_OPTIONS = nodeOptionsWithPreload(env.NODE_OPTIONS, registerUrl);
  } else {
    // A broken install must not stop the app: without this check Node itself would fail with
    // ERR_MODULE_NOT_FOUND before the app's first line.
    log.warnOnce('OTELI_W_PRELOAD_MISSING', `${fileURLToPath(registerUrl)} not found (incomplete build or install?); running ${file} without tracing`);
  }

  let child: ChildProcess;
  try {
    child = spawn(file, args, { stdio: 'inherit', env, shell: false });
  } catch (err) {
    // Synchronous failures: e.g. a NUL byte in an argument.
    process.stderr.write(`otel-instrument: cannot run ${file}: ${(err as Error).message}\n`);
    process.exit(CANNOT_EXECUTE_EXIT_CODE);
  }

  const stopForwarding = forwardSignals(child);
  let finished = false;
  const finish = (exitCode: number): void => {
    if (finished) return;
    finished = true;
    stopForwarding();
    process.exit(exitCode);
  };

  child.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') {
      process.stderr.write(`otel-instrument: command not found: ${file}\n`);
      finish(COMMAND_NOT_FOUND_EXIT_CODE);
    } else if (err.code === 'EACCES') {
      process.stderr.write(`otel-instrument: permission denied: ${file}\n`);
      finish(CANNOT_EXECUTE_EXIT_CODE);
    } else if (child.pid === undefined) {
      process.stderr.write(`otel-instrument: cannot run ${file}: ${err.message}\n`);
      finish(CANNOT_EXECUTE_EXIT_CODE);
    }
    // Otherwise (e.g. a failed kill) the child still runs; its 'exit' decides.
  });
  child.on('exit', (code, signal) => finish(exitCodeFor(code, signal)));
}
