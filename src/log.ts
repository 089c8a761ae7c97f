/**
 * The agent's own logger. One line per message on stderr, prefixed so users can grep for it.
 * Warnings carry a stable code (OTELI_W_*) and are printed once per code+detail, so a bad
 * setting or a failing hot-path call never floods the app's output.
 *
 * Every line has the URLs in it redacted (userinfo and all query values) on the way out: the
 * exporter's warnings name its endpoint, which may carry `user:token@` or `?api-key=`, and no
 * message author should have to remember that.
 */
import { writeSync } from 'node:fs';
import { redactUrlsInText } from './redact';

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

const LEVEL_RANK: Record<LogLevel, number> = {
  none: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  verbose: 5,
  all: 6,
};

export const LOG_LEVELS = Object.keys(LEVEL_RANK) as LogLevel[];

interface LogState {
  rank: number;
  readonly alreadySaid: Set<string>;
}

// One level and one set of said-once messages per process, kept on globalThis: the preload runs
// from its bundle, while the ESM loader (hooks/esm-loader.mts) imports this file from dist/, and
// both copies must log at the configured level and say a one-time message once.
const LOG_STATE_KEY = Symbol.for('otel-instrument.log');
const state: LogState = ((globalThis as { [LOG_STATE_KEY]?: LogState })[LOG_STATE_KEY] ??= {
  rank: LEVEL_RANK.warn,
  alreadySaid: new Set<string>(),
});
const alreadySaid = state.alreadySaid;
const PREFIX = '[otel-instrument]';

export function setLogLevel(level: LogLevel): void {
  state.rank = LEVEL_RANK[level] ?? LEVEL_RANK.warn;
}

export function isLogLevelEnabled(level: Exclude<LogLevel, 'none' | 'all'>): boolean {
  return state.rank >= LEVEL_RANK[level];
}

/**
 * While the agent starts (startupWrites), lines go to file descriptor 2 with a synchronous
 * write: process.stderr is a stream made on first use, with node:stream and its friends loaded
 * for it, about 2 ms of every start on Node.js 24 for the one preamble line, and an app that never
 * writes to stderr should not pay that for us. The app has not run yet, so nothing of its can be
 * written out of order. Afterwards every line goes through process.stderr, in order with the
 * app's own writes (and where tests and tools that replace its write() see them).
 */
let writeToFd = false;

/** The agent's start begins (true) or ends (false); see writeToFd. */
export function startupWrites(active: boolean): void {
  writeToFd = active;
}

function write(line: string): void {
  const text = `${PREFIX} ${redactUrlsInText(line, 'all')}\n`;
  if (writeToFd) {
    try {
      writeSync(2, text);
      return;
    } catch {
      // EAGAIN on a non-blocking pipe, a closed descriptor: the stream knows how to cope.
      writeToFd = false;
    }
  }
  try {
    process.stderr.write(text);
  } catch {
    // stderr closed: nothing sensible left to do, and we must not throw into the app.
  }
}

export const log = {
  error(msg: string): void {
    if (state.rank >= LEVEL_RANK.error) write(`error: ${msg}`);
  },
  warn(msg: string): void {
    if (state.rank >= LEVEL_RANK.warn) write(`warn: ${msg}`);
  },
  info(msg: string): void {
    if (state.rank >= LEVEL_RANK.info) write(msg);
  },
  debug(msg: string): void {
    if (state.rank >= LEVEL_RANK.debug) write(`debug: ${msg}`);
  },
  /** A warning with a stable code, printed at most once per (code, message). */
  warnOnce(code: string, msg: string): void {
    const key = `${code}\u0000${msg}`;
    if (alreadySaid.has(key)) return;
    alreadySaid.add(key);
    if (state.rank >= LEVEL_RANK.warn) write(`warn ${code}: ${msg}`);
  },
  /**
   * A warning with a stable code that may repeat: for reports whose caller bounds their rate
   * (one per interval, see sdk/span-ledger.ts).
   */
  warnCoded(code: string, msg: string): void {
    if (state.rank >= LEVEL_RANK.warn) write(`warn ${code}: ${msg}`);
  },
  /** An internal failure of ours: logged once per code, never thrown. */
  errorOnce(code: string, msg: string, err?: unknown): void {
    if (alreadySaid.has(code)) return;
    alreadySaid.add(code);
    const detail = err instanceof Error ? `: ${err.message}` : err === undefined ? '' : `: ${String(err)}`;
    if (state.rank >= LEVEL_RANK.error) write(`error ${code}: ${msg}${detail}`);
  },
};

/** Test hook: forget which one-time messages were printed. */
export function resetLogOnce(): void {
  alreadySaid.clear();
}
