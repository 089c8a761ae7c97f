/**
 * The launch path where Node.js cannot exec (Node.js 20): the command runs as our child, with
 * inherited stdio. Signals sent to us alone are forwarded to it once (see signal-ledger.ts for
 * those the process group already delivered), and we end the way it ended: its exit code, or
 * death by the same signal, so that the shell running us sees a signal death (bash stops a
 * script or a `for` loop after Ctrl-C only then), not 128+n.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { SIGNAL_REPORT_FD_ENV } from '../agent/signal-report';
import { SignalLedger } from './signal-ledger';
import { CANNOT_EXECUTE_EXIT_CODE } from './resolve-command';

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How long we wait to die of a signal we re-raised before exiting 128+n instead. */
const SIGNAL_DEATH_GRACE_MS = 100;
const O_CLOEXEC = 0o2000000;

export function exitCodeFor(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

/**
 * The lowest descriptor from 3 up that the child would not otherwise inherit, for the report
 * pipe: descriptors the CLI was given without close-on-exec (systemd socket activation passes
 * LISTEN_FDS from 3) must reach the app unchanged. Linux only (/proc); elsewhere 3.
 */
export function freeChildDescriptor(): number {
  for (let fd = 3; fd < 32; fd++) {
    let flags: number;
    try {
      const match = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
      if (match === null) return fd;
      flags = parseInt(match[1], 8);
    } catch {
      return fd; // not open (or no /proc): nothing of ours to clobber
    }
    if ((flags & O_CLOEXEC) !== 0) return fd;
  }
  return 32;
}

function dieOf(signal: NodeJS.Signals, exitCode: number): void {
  try {
    // Our listeners are gone, so Node has put back the default action: death.
    process.kill(process.pid, signal);
  } catch {
    // fall through to the exit code
  }
  // Still here: PID 1 in a container, whose default actions the kernel ignores.
  setTimeout(() => process.exit(exitCode), SIGNAL_DEATH_GRACE_MS);
}

export function spawnCommand(path: string, argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const reportFd = freeChildDescriptor();
  const stdio: StdioOptions = ['inherit', 'inherit', 'inherit'];
  // 'ignore' above 2 leaves an inherited descriptor as it is (libuv skips it).
  while (stdio.length < reportFd) stdio.push('ignore');
  stdio.push('pipe');

  let child: ChildProcess;
  try {
    child = spawn(path, argv.slice(1), { argv0: argv[0], stdio, env: { ...env, [SIGNAL_REPORT_FD_ENV]: String(reportFd) }, shell: false });
  } catch (err) {
    process.stderr.write(`otel-instrument: cannot run ${argv[0]}: ${(err as Error).message}\n`);
    process.exit(CANNOT_EXECUTE_EXIT_CODE);
  }

  const ledger = new SignalLedger();
  const reports = child.stdio[reportFd];
  if (reports && 'on' in reports) {
    let pending = '';
    reports.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('latin1')).split('\n');
      pending = lines.pop() ?? '';
      for (const signal of lines) ledger.childReceived(signal);
    });
    reports.on('error', () => {}); // a grandchild holding the pipe, or none: never fatal
  }

  // Ctrl-C in a terminal signals the whole foreground process group, the child included; with
  // our stdin on a terminal that holds even for a child that cannot report (not Node.js).
  const terminalDeliversSigint = process.stdin.isTTY === true;
  const forward = (signal: NodeJS.Signals) => (): void => {
    try {
      child.kill(signal);
    } catch {
      // The child is already gone; its 'exit' event ends us.
    }
  };
  // Having a listener also keeps the default action (death) away from us while the child runs.
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (signal === 'SIGINT' && terminalDeliversSigint) return;
      ledger.cliReceived(signal, forward(signal));
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });

  let finished = false;
  const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (finished) return;
    finished = true;
    ledger.stop();
    handlers.forEach((remove) => remove());
    if (signal !== null) dieOf(signal, exitCodeFor(code, signal));
    else process.exit(code ?? 1);
  };

  child.on('error', (err: NodeJS.ErrnoException) => {
    // The command was resolved before the spawn, so this is a race (it vanished) or a failed kill.
    if (child.pid === undefined) {
      process.stderr.write(`otel-instrument: cannot run ${argv[0]}: ${err.message}\n`);
      finish(CANNOT_EXECUTE_EXIT_CODE, null);
    }
  });
  child.on('exit', finish);
}
