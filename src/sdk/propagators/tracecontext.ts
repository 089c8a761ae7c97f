/**
 * W3C Trace Context (`traceparent` / `tracestate`), https://www.w3.org/TR/trace-context/.
 *
 * Runs on every HTTP request in and out, so parsing is a single pass over char codes: no regex, no
 * split(), and a substring only for the ids we keep. Malformed input is ignored, never thrown.
 */
import {
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type TraceState,
} from '@opentelemetry/api';
import { isValidSpanContext } from '../ids';
import { isTracingSuppressed } from '../suppress-tracing';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
/** `00-` + 32 + `-` + 16 + `-` + 2: the whole of a version-00 header, and the prefix of later ones. */
const TRACEPARENT_LENGTH = 55;
/** Sampled (0x01) and, from Trace Context level 2, random (0x02). Unknown flags are not propagated. */
const KNOWN_FLAGS = 0x03;
const MAX_TRACESTATE_MEMBERS = 32;

/**
 * A header the getter gave as an array arrives that way when it was sent more than once. Trace
 * Context treats two different `traceparent`s as invalid (w3c test suite: test_traceparent_duplicated
 * expects a new trace), so we accept an array only when every copy is the same.
 * (@opentelemetry/core takes the first element instead.)
 */
export function readSingleHeader(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const first = value[0];
  for (let i = 1; i < value.length; i++) if (value[i] !== first) return undefined;
  return typeof first === 'string' ? first : undefined;
}

/** 0-15 for a lower-case hex digit, -1 otherwise (upper case is invalid in Trace Context and B3). */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/** True when s[start, end) is lower-case hex and not all zeros (all-zero ids are invalid). */
export function isNonZeroLowerHex(s: string, start: number, end: number): boolean {
  let any = 0;
  for (let i = start; i < end; i++) {
    const d = hexDigit(s.charCodeAt(i));
    if (d < 0) return false;
    any |= d;
  }
  return any !== 0;
}

export function isOws(code: number): boolean {
  return code === 32 || code === 9; // SP / HTAB
}

/** The span context in a traceparent value, or undefined when the value is invalid. */
export function parseTraceparent(raw: string): SpanContext | undefined {
  // Leading/trailing OWS is allowed (w3c test suite: test_traceparent_ows_handling).
  let start = 0;
  let end = raw.length;
  while (start < end && isOws(raw.charCodeAt(start))) start++;
  while (end > start && isOws(raw.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length < TRACEPARENT_LENGTH) return undefined;

  const v1 = hexDigit(raw.charCodeAt(start));
  const v2 = hexDigit(raw.charCodeAt(start + 1));
  if (v1 < 0 || v2 < 0) return undefined;
  const version = v1 * 16 + v2;
  if (version === 0xff) return undefined; // forbidden by the spec
  // Version 00 is exactly 55 chars. A later version may append fields, each after a dash; we read
  // the version-00 prefix and ignore the rest, as the versioning rules ask.
  if (version === 0 && length !== TRACEPARENT_LENGTH) return undefined;
  if (length > TRACEPARENT_LENGTH && raw.charCodeAt(start + TRACEPARENT_LENGTH) !== 45) return undefined;
  if (
    raw.charCodeAt(start + 2) !== 45 ||
    raw.charCodeAt(start + 35) !== 45 ||
    raw.charCodeAt(start + 52) !== 45
  ) {
    return undefined;
  }
  if (!isNonZeroLowerHex(raw, start + 3, start + 35)) return undefined;
  if (!isNonZeroLowerHex(raw, start + 36, start + 52)) return undefined;
  const f1 = hexDigit(raw.charCodeAt(start + 53));
  const f2 = hexDigit(raw.charCodeAt(start + 54));
  if (f1 < 0 || f2 < 0) return undefined;

  return {
    traceId: raw.substring(start + 3, start + 35),
    spanId: raw.substring(start + 36, start + 52),
    traceFlags: (f1 * 16 + f2) & KNOWN_FLAGS,
    isRemote: true,
  };
}

/* ---------------------------------- tracestate ---------------------------------- */

/** keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@" */
function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 42 || c === 47 || c === 64
  );
}

/**
 * key = ( lcalpha / DIGIT ) 0*255( keychar ): Level 2's grammar (w3c/trace-context#386), which the
 * W3C harness checks at every SPEC_LEVEL since #584. `@` is an ordinary key char there: `foo@`,
 * `t@vvvvvvvvvvvvvvv` and `a@b@c` are valid; only the first char may not be `@`. Level 1's
 * simple-key / tenant-id@system-id (241 + 14 chars) keys are all still valid, so nothing a Level 1
 * sender writes is dropped. (@opentelemetry/core still applies the Level 1 split.)
 */
function isValidTraceStateKey(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 1 || length > 256) return false;
  const first = s.charCodeAt(start);
  if (!((first >= 97 && first <= 122) || (first >= 48 && first <= 57))) return false;
  for (let i = start + 1; i < end; i++) if (!isKeyChar(s.charCodeAt(i))) return false;
  return true;
}

/** value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E */
function isValidTraceStateValue(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 1 || length > 256) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2c /* , */ || c === 0x3d /* = */) return false;
  }
  return s.charCodeAt(end - 1) !== 0x20;
}

/**
 * An immutable tracestate with the semantics of api.createTraceState(): set() moves a key to the
 * front, unset() removes it, serialize() joins in order. We keep our own instead of the api's
 * because that one silently empties any header longer than 512 chars and re-validates members we
 * have already checked.
 */
export class W3CTraceState implements TraceState {
  /** Newest (left-most) first, as in the header. */
  private constructor(
    private readonly keys: readonly string[],
    private readonly values: readonly string[],
  ) {}

  static fromMembers(keys: readonly string[], values: readonly string[]): W3CTraceState {
    return new W3CTraceState(keys, values);
  }

  set(key: string, value: string): TraceState {
    const keys = [key];
    const values = [value];
    for (let i = 0; i < this.keys.length && keys.length < MAX_TRACESTATE_MEMBERS; i++) {
      if (this.keys[i] === key) continue;
      keys.push(this.keys[i]);
      values.push(this.values[i]);
    }
    return new W3CTraceState(keys, values);
  }

  unset(key: string): TraceState {
    const at = this.keys.indexOf(key);
    if (at === -1) return this;
    return new W3CTraceState(
      this.keys.filter((_, i) => i !== at),
      this.values.filter((_, i) => i !== at),
    );
  }

  get(key: string): string | undefined {
    const at = this.keys.indexOf(key);
    return at === -1 ? undefined : this.values[at];
  }

  serialize(): string {
    let out = '';
    for (let i = 0; i < this.keys.length; i++) {
      out += (i === 0 ? '' : ',') + this.keys[i] + '=' + this.values[i];
    }
    return out;
  }
}

/** The list so far, across header fields; `count` includes the duplicates we dropped. */
interface TracestateMembers {
  readonly keys: string[];
  readonly values: string[];
  count: number;
}

/**
 * Parses one or more tracestate header values (several headers combine as one list, in order).
 * Returns undefined when there is nothing, or when anything is malformed: an invalid key or value,
 * or more than 32 members. The spec asks us to drop the whole header then rather than pass on a
 * part of it. Empty list members (`a=1,,b=2`) are allowed and skipped. A key that comes again
 * keeps its first (left-most, most recent) value: Level 2 lets a vendor discard duplicates it did
 * not write, and the harness expects the rest of the header kept (w3c/trace-context#477; Level 1's
 * harness dropped it all). Passing both on would break the one-entry-per-key rule downstream.
 */
export function parseTracestate(raw: string | string[] | undefined): W3CTraceState | undefined {
  if (raw === undefined) return undefined;
  const members: TracestateMembers = { keys: [], values: [], count: 0 };
  if (typeof raw === 'string') {
    if (!collectTracestateMembers(raw, members)) return undefined;
  } else if (Array.isArray(raw)) {
    for (const part of raw) {
      if (typeof part !== 'string' || !collectTracestateMembers(part, members)) return undefined;
    }
  } else {
    return undefined;
  }
  return members.count === 0 ? undefined : W3CTraceState.fromMembers(members.keys, members.values);
}

/** Appends the members of one header value; false when the header must be dropped. */
function collectTracestateMembers(raw: string, members: TracestateMembers): boolean {
  let pos = 0;
  while (pos <= raw.length) {
    const comma = raw.indexOf(',', pos);
    let end = comma === -1 ? raw.length : comma;
    let start = pos;
    pos = end + 1;
    while (start < end && isOws(raw.charCodeAt(start))) start++;
    while (end > start && isOws(raw.charCodeAt(end - 1))) end--;
    if (start === end) continue;

    const eq = raw.indexOf('=', start);
    if (eq === -1 || eq >= end) return false;
    if (!isValidTraceStateKey(raw, start, eq) || !isValidTraceStateValue(raw, eq + 1, end)) return false;
    // The ABNF allows 32 list-members; a duplicate is one of them.
    if (++members.count > MAX_TRACESTATE_MEMBERS) return false;
    const key = raw.substring(start, eq);
    if (members.keys.includes(key)) continue;
    members.keys.push(key);
    members.values.push(raw.substring(eq + 1, end));
  }
  return true;
}

/* ---------------------------------- propagator ---------------------------------- */

export class W3CTraceContextPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    // Suppressed: the exporter's own requests must not carry the trace they are exporting.
    if (!spanContext || !isValidSpanContext(spanContext) || isTracingSuppressed(context)) return;
    const flags = (spanContext.traceFlags & KNOWN_FLAGS).toString(16);
    setter.set(carrier, TRACEPARENT, `00-${spanContext.traceId}-${spanContext.spanId}-0${flags}`);
    const traceState = spanContext.traceState?.serialize();
    if (traceState) setter.set(carrier, TRACESTATE, traceState);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const traceparent = readSingleHeader(getter.get(carrier, TRACEPARENT));
    if (traceparent === undefined) return context;
    const spanContext = parseTraceparent(traceparent);
    // An invalid traceparent means tracestate must not be parsed either (spec, "Processing Model").
    if (!spanContext) return context;
    const traceState = parseTracestate(getter.get(carrier, TRACESTATE));
    if (traceState) spanContext.traceState = traceState;
    return trace.setSpanContext(context, spanContext);
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE];
  }
}
