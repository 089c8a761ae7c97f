/**
 * Span timestamps as epoch milliseconds in a double (see ReadableSpan.startTimeUnixMs for why
 * not HrTime or BigInt): monotonic within the process, anchored to the wall clock once.
 */
import type { TimeInput } from '@opentelemetry/api';

const PERFORMANCE_NOW_CEILING_MS = 1e12;

// Both set at the first reading of the clock, not at import: node:perf_hooks loads ten internal
// modules (1 MB) that a process which never starts a span need not pay for at start.
let performance: { now(): number } | undefined;
/** Read once: performance.timeOrigin is a getter that does work on each access. */
let timeOriginMs = 0;

function startClock(): { now(): number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const clock = (require('node:perf_hooks') as typeof import('node:perf_hooks')).performance;
  timeOriginMs = clock.timeOrigin;
  performance = clock;
  return clock;
}

/** Now, as epoch milliseconds with a sub-millisecond fraction. */
export function nowMs(): number {
  const clock = performance ?? startClock();
  return timeOriginMs + clock.now();
}

function timeOrigin(): number {
  if (performance === undefined) startClock();
  return timeOriginMs;
}

/**
 * Converts what the API accepts as a time into epoch milliseconds.
 * - HrTime [seconds, nanoseconds]: epoch based.
 * - number: epoch milliseconds, except that a number below 1e12 (2001-09-09 as an epoch time,
 *   31 years of uptime as a performance.now() reading) is a performance.now() reading and is
 *   anchored at the time origin, so apps that pass performance.now() get correct times as with
 *   the official SDK. (That SDK's cut-off is the time origin itself, which misreads an epoch
 *   time from before the process started, e.g. a queued message's enqueue time.)
 * - Date: its epoch milliseconds.
 * Anything else (or a non-finite result) falls back to now.
 */
export function timeInputToMs(input: TimeInput | undefined): number {
  let ms: number;
  if (typeof input === 'number') {
    ms = input < PERFORMANCE_NOW_CEILING_MS ? timeOrigin() + input : input;
  } else if (Array.isArray(input)) {
    ms = input[0] * 1e3 + input[1] / 1e6;
  } else if (input instanceof Date) {
    ms = input.getTime();
  } else {
    return nowMs();
  }
  return Number.isFinite(ms) ? ms : nowMs();
}
