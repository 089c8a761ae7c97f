/**
 * The agent's own logger. One line per message on stderr, prefixed so users can grep for it.
 * Warnings carry a stable code (OTELI_W_*) and are printed once per code+detail, so a bad
 * setting or a failing hot-path call never floods the app's output.
 *
 * Every line has the URLs in it redacted (userinfo and all query values) on the way out: the
 * exporter's warnings name its endpoint, which may carry `user:token@` or `?api-key=`, and no
 * message author should have to remember that.
 */
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

function write(line: string): void {
  try {
    process.stderr.write(`${PREFIX} ${redactUrlsInText(line, 'all')}\n`);
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
