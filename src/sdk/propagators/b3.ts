/**
 * Zipkin B3, https://github.com/openzipkin/b3-propagation.
 *
 *   single: b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]   SamplingState = 1 | 0 | d
 *   multi:  X-B3-TraceId, X-B3-SpanId, X-B3-Sampled (1 | 0), X-B3-Flags (1 = debug), X-B3-ParentSpanId
 *
 * Both propagators extract either format (the single header wins when it parses), as the OTel
 * spec asks; they differ only in what they inject. Header names are lower-case on both sides: the
 * default getter looks keys up as given and Node lower-cases incoming names, HTTP/2 requires
 * lower case, and HTTP/1 names are case-insensitive on the wire.
 *
 * A 64-bit trace id is left-padded with zeros to the 128 bits OTel uses. Debug implies sampled;
 * the debug bit is kept in the context under the same key @opentelemetry/propagator-b3 uses, so
 * it survives to the next inject. ParentSpanId is validated when present but never propagated.
 */
import {
  createContextKey,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isValidSpanContext } from '../ids';
import { isTracingSuppressed } from '../suppress-tracing';
import { isNonZeroLowerHex, isOws, readSingleHeader } from './tracecontext';

const B3 = 'b3';
const TRACE_ID = 'x-b3-traceid';
const SPAN_ID = 'x-b3-spanid';
const SAMPLED = 'x-b3-sampled';
const FLAGS = 'x-b3-flags';
const PARENT_SPAN_ID = 'x-b3-parentspanid';
const TRACE_ID_PADDING = '0000000000000000';

/** createContextKey() is Symbol.for(description): this is @opentelemetry/propagator-b3's key. */
export const B3_DEBUG_FLAG_KEY = createContextKey('OpenTelemetry Context Key B3 Debug Flag');

/** 16 or 32 lower-hex chars, not all zero; a 64-bit id comes back padded to 32 chars. */
function parseTraceId(s: string, start: number, end: number): string | undefined {
  const length = end - start;
  if ((length !== 16 && length !== 32) || !isNonZeroLowerHex(s, start, end)) return undefined;
  const id = s.substring(start, end);
  return length === 16 ? TRACE_ID_PADDING + id : id;
}

function isSpanId(s: string, start: number, end: number): boolean {
  return end - start === 16 && isNonZeroLowerHex(s, start, end);
}

/**
 * The value without HTTP's OWS (SP / HTAB) around it. Not String#trim: that also removes LF, NBSP
 * and BOM, and Node hands over a header's non-ASCII bytes as latin1, so `\xa0<ids>` would pass.
 */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.substring(start, end);
}

function header(carrier: unknown, getter: TextMapGetter, name: string): string | undefined {
  const value = readSingleHeader(getter.get(carrier, name));
  return value === undefined ? undefined : trimOws(value);
}

interface B3Context {
  spanContext: SpanContext;
  debug: boolean;
}

function remoteContext(traceId: string, spanId: string, sampled: boolean): SpanContext {
  return { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true };
}

/**
 * The single header. `b3: 0` (and a lone `1` or `d`) carries a sampling decision but no ids: with
 * nothing to parent on we return undefined and the request starts a fresh trace, decided by the
 * local sampler.
 */
export function parseB3Single(raw: string): B3Context | undefined {
  const s = trimOws(raw);
  const dash1 = s.indexOf('-');
  if (dash1 === -1) return undefined;
  const traceId = parseTraceId(s, 0, dash1);
  if (traceId === undefined) return undefined;
  const dash2 = s.indexOf('-', dash1 + 1);
  const spanEnd = dash2 === -1 ? s.length : dash2;
  if (!isSpanId(s, dash1 + 1, spanEnd)) return undefined;
  const spanId = s.substring(dash1 + 1, spanEnd);
  // Absent sampling state means "deferred"; W3C flags cannot say that, so it reads as not sampled.
  if (dash2 === -1) return { spanContext: remoteContext(traceId, spanId, false), debug: false };

  // Exactly one sampling char, then optionally "-" and a 16-hex parent span id.
  const state = s.charCodeAt(dash2 + 1);
  const afterState = dash2 + 2;
  if (afterState !== s.length) {
    if (s.charCodeAt(afterState) !== 45 || !isSpanId(s, afterState + 1, s.length)) return undefined;
  }
  if (state === 49 /* 1 */) return { spanContext: remoteContext(traceId, spanId, true), debug: false };
  if (state === 48 /* 0 */) return { spanContext: remoteContext(traceId, spanId, false), debug: false };
  if (state === 100 /* d */) return { spanContext: remoteContext(traceId, spanId, true), debug: true };
  return undefined;
}

/**
 * The multi-header format. `true`/`false` are accepted for X-B3-Sampled because tracers used them
 * before the spec settled on 1/0; any other value is treated as absent (deferred).
 */
export function parseB3Multi(carrier: unknown, getter: TextMapGetter): B3Context | undefined {
  const rawTraceId = header(carrier, getter, TRACE_ID);
  const rawSpanId = header(carrier, getter, SPAN_ID);
  if (rawTraceId === undefined || rawSpanId === undefined) return undefined;
  const traceId = parseTraceId(rawTraceId, 0, rawTraceId.length);
  if (traceId === undefined || !isSpanId(rawSpanId, 0, rawSpanId.length)) return undefined;

  const debug = header(carrier, getter, FLAGS) === '1';
  const sampled = header(carrier, getter, SAMPLED);
  const isSampled = debug || sampled === '1' || sampled === 'true';
  return { spanContext: remoteContext(traceId, rawSpanId, isSampled), debug };
}

function extractB3(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  const single = readSingleHeader(getter.get(carrier, B3));
  const found = (single !== undefined ? parseB3Single(single) : undefined) ?? parseB3Multi(carrier, getter);
  if (!found) return context;
  const withSpan = trace.setSpanContext(context, found.spanContext);
  return found.debug ? withSpan.setValue(B3_DEBUG_FLAG_KEY, 'd') : withSpan;
}

/** The span context to inject, or undefined when there is nothing valid or tracing is suppressed. */
function injectable(context: Context): SpanContext | undefined {
  const spanContext = trace.getSpanContext(context);
  if (!spanContext || !isValidSpanContext(spanContext) || isTracingSuppressed(context)) return undefined;
  return spanContext;
}

function isSampled(spanContext: SpanContext): boolean {
  return (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}

/** Injects the single `b3` header (the OTel default for OTEL_PROPAGATORS=b3). */
export class B3SinglePropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = injectable(context);
    if (!spanContext) return;
    const state = context.getValue(B3_DEBUG_FLAG_KEY) ? 'd' : isSampled(spanContext) ? '1' : '0';
    setter.set(carrier, B3, `${spanContext.traceId}-${spanContext.spanId}-${state}`);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return extractB3(context, carrier, getter);
  }

  fields(): string[] {
    return [B3];
  }
}

/** Injects X-B3-TraceId / X-B3-SpanId and X-B3-Sampled, or X-B3-Flags: 1 instead when debug. */
export class B3MultiPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = injectable(context);
    if (!spanContext) return;
    setter.set(carrier, TRACE_ID, spanContext.traceId);
    setter.set(carrier, SPAN_ID, spanContext.spanId);
    // Debug implies sampled, and the B3 spec says not to send X-B3-Sampled alongside it.
    if (context.getValue(B3_DEBUG_FLAG_KEY)) setter.set(carrier, FLAGS, '1');
    else setter.set(carrier, SAMPLED, isSampled(spanContext) ? '1' : '0');
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return extractB3(context, carrier, getter);
  }

  fields(): string[] {
    return [TRACE_ID, SPAN_ID, FLAGS, SAMPLED, PARENT_SPAN_ID];
  }
}
