/**
 * Span timestamps as epoch milliseconds in a double (see ReadableSpan.startTimeUnixMs for why
 * not HrTime or BigInt): monotonic within the process, anchored to the wall clock once.
 */
import { performance } from 'node:perf_hooks';
import type { TimeInput } from '@opentelemetry/api';

// Read once: performance.timeOrigin is a getter that does work on each access.
const TIME_ORIGIN_MS = performance.timeOrigin;

/** Now, as epoch milliseconds with a sub-millisecond fraction. */
export function nowMs(): number {
  return TIME_ORIGIN_MS + performance.now();
}

/**
 * Converts what the API accepts as a time into epoch milliseconds.
 * - HrTime [seconds, nanoseconds]: epoch based.
 * - number: epoch milliseconds; a number smaller than the process's time origin can only be a
 *   performance.now() reading, so it is anchored at the time origin (as the official SDK does,
 *   so apps that pass performance.now() get correct times with either SDK).
 * - Date: its epoch milliseconds.
 * Anything else (or a non-finite result) falls back to now.
 */
export function timeInputToMs(input: TimeInput | undefined): number {
  let ms: number;
  if (typeof input === 'number') {
    ms = input < TIME_ORIGIN_MS ? TIME_ORIGIN_MS + input : input;
  } else if (Array.isArray(input)) {
    ms = input[0] * 1e3 + input[1] / 1e6;
  } else if (input instanceof Date) {
    ms = input.getTime();
  } else {
    return nowMs();
  }
  return Number.isFinite(ms) ? ms : nowMs();
}
