/**
 * The child's half of the CLI's signal ledger (src/cli/signal-ledger.ts): on the spawn path the
 * CLI passes a pipe's file descriptor in OTELI_SIGNAL_REPORT_FD, and each SIGTERM / SIGINT / SIGHUP
 * this process receives is written to it, one name per line, so that the CLI does not forward a
 * second copy of a signal the process group already delivered.
 *
 * Runs first in the preload, in every process that has the variable (package managers too: they
 * are the CLI's child in `otel-instrument npm start`), and only there: the variable is removed
 * from the environment, so the app's own children never claim the pipe.
 */
import { writeSync } from 'node:fs';

export const SIGNAL_REPORT_FD_ENV = 'OTELI_SIGNAL_REPORT_FD';
const REPORTED = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);

export function startSignalReport(): void {
  const raw = process.env[SIGNAL_REPORT_FD_ENV];
  if (raw === undefined) return;
  delete process.env[SIGNAL_REPORT_FD_ENV];
  let fd = /^\d+$/.test(raw) ? Number(raw) : -1;
  if (fd < 3) return;

  // Node's signal handle calls process.emit, bound when the first listener for a signal is added;
  // the preload runs before the app adds any, so every delivery passes through here, whoever
  // listens (the app, or our shutdown handler when the app does not).
  const originalEmit = process.emit;
  process.emit = function emit(this: NodeJS.Process, event: string | symbol) {
    if (fd >= 0 && typeof event === 'string' && REPORTED.has(event)) {
      try {
        writeSync(fd, `${event}\n`);
      } catch {
        fd = -1; // the CLI is gone or the pipe is full: stop reporting, never throw
      }
    }
    // eslint-disable-next-line prefer-rest-params
    return (originalEmit as (...args: unknown[]) => boolean).apply(this, arguments as unknown as unknown[]);
  } as typeof process.emit;
}
