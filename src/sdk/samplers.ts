/**
 * The spec's built-in samplers, selected by OTEL_TRACES_SAMPLER.
 *
 * Results for the fixed decisions are shared frozen objects, so sampling allocates nothing.
 */
import {
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
  type TraceState,
} from '@opentelemetry/api';
import type { SamplerName } from '../config/types';
import { isValidSpanContext, OwnSpanContext } from './ids';
import { SPAN_KEY } from './linked-context';

/** Same numbers as api.SamplingDecision. */
export const SamplingDecision = {
  NOT_RECORD: 0,
  RECORD: 1,
  RECORD_AND_SAMPLED: 2,
} as const;
export type SamplingDecisionValue = 0 | 1 | 2;

export interface SamplingResult {
  readonly decision: SamplingDecisionValue;
  /** Added to the span's attributes. */
  readonly attributes?: Attributes;
  /** Replaces the parent's trace state on the new span. */
  readonly traceState?: TraceState;
}

export interface Sampler {
  shouldSample(
    parentContext: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes | undefined,
    links: Link[] | undefined,
  ): SamplingResult;
  /** The spec's sampler description, e.g. "TraceIdRatioBased{0.25}". */
  toString(): string;
}

const NOT_RECORD_RESULT: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const SAMPLED_RESULT: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });

class AlwaysOnSampler implements Sampler {
  shouldSample(): SamplingResult {
    return SAMPLED_RESULT;
  }
  toString(): string {
    return 'AlwaysOnSampler';
  }
}

class AlwaysOffSampler implements Sampler {
  shouldSample(): SamplingResult {
    return NOT_RECORD_RESULT;
  }
  toString(): string {
    return 'AlwaysOffSampler';
  }
}

const TWO_POW_28 = 0x10000000;
const TWO_POW_56 = TWO_POW_28 * TWO_POW_28;

/** Value of lowercase/uppercase hex digits [start, end) of `s` (at most 13 digits), NaN if not hex. */
function parseHex(s: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else return NaN;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * TraceIdRatioBased as the current trace SDK spec defines it (in terms of W3C Trace Context
 * Level 2 randomness): the randomness R is the least-significant 56 bits of the trace id (its
 * last 14 hex digits), the rejection threshold is T = (1 - ratio) × 2^56, and the span is
 * sampled when R ≥ T. This makes the decision deterministic per trace id, monotonic in the
 * ratio (a trace sampled at ratio r is sampled at every ratio ≥ r), and equal to what other
 * spec-following SDKs decide for the same trace. Ratio 0 never samples, 1 always does.
 *
 * 56 bits do not fit a double's 53-bit mantissa, so R and T are compared as two 28-bit halves.
 * We do not write the `th` field into the OpenTelemetry tracestate (still Development status).
 */
class TraceIdRatioBasedSampler implements Sampler {
  private readonly _thresholdHigh: number;
  private readonly _thresholdLow: number;
  private readonly _ratio: number;

  constructor(ratio: number) {
    this._ratio = typeof ratio === 'number' && ratio > 0 ? (ratio >= 1 ? 1 : ratio) : 0;
    // P = round(ratio × 2^56) is an exact integer-valued double (scaling by 2^56 is exact), but
    // T = 2^56 - P may need 56 bits, which a double cannot hold: subtract half by half instead.
    const scaled = Math.round(this._ratio * TWO_POW_56);
    const scaledHigh = Math.floor(scaled / TWO_POW_28);
    const scaledLow = scaled - scaledHigh * TWO_POW_28;
    if (scaledLow === 0) {
      this._thresholdHigh = TWO_POW_28 - scaledHigh;
      this._thresholdLow = 0;
    } else {
      this._thresholdHigh = TWO_POW_28 - scaledHigh - 1;
      this._thresholdLow = TWO_POW_28 - scaledLow;
    }
  }

  shouldSample(_ctx: Context, traceId: string): SamplingResult {
    if (this._ratio >= 1) return SAMPLED_RESULT;
    if (this._ratio <= 0 || typeof traceId !== 'string' || traceId.length !== 32) return NOT_RECORD_RESULT;
    const high = parseHex(traceId, 18, 25);
    if (high > this._thresholdHigh) return SAMPLED_RESULT;
    if (high === this._thresholdHigh && parseHex(traceId, 25, 32) >= this._thresholdLow) return SAMPLED_RESULT;
    return NOT_RECORD_RESULT; // also for NaN (not hex)
  }

  toString(): string {
    return `TraceIdRatioBased{${this._ratio}}`;
  }
}

/**
 * Follows the parent's sampled flag; `root` decides for spans without a valid parent.
 * Spec defaults: a sampled parent (remote or local) → always on, an unsampled one → always off.
 */
class ParentBasedSampler implements Sampler {
  constructor(
    private readonly _root: Sampler,
    private readonly _remoteParentSampled: Sampler = new AlwaysOnSampler(),
    private readonly _remoteParentNotSampled: Sampler = new AlwaysOffSampler(),
    private readonly _localParentSampled: Sampler = new AlwaysOnSampler(),
    private readonly _localParentNotSampled: Sampler = new AlwaysOffSampler(),
  ) {}

  shouldSample(
    parentContext: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes | undefined,
    links: Link[] | undefined,
  ): SamplingResult {
    const parent = trace.getSpanContext(parentContext);
    let delegate: Sampler;
    if (parent === undefined || !isValidSpanContext(parent)) {
      delegate = this._root;
    } else {
      const sampled = (parent.traceFlags & TraceFlags.SAMPLED) !== 0;
      if (parent.isRemote === true) {
        delegate = sampled ? this._remoteParentSampled : this._remoteParentNotSampled;
      } else {
        delegate = sampled ? this._localParentSampled : this._localParentNotSampled;
      }
    }
    return delegate.shouldSample(parentContext, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return (
      `ParentBased{root=${this._root}, remoteParentSampled=${this._remoteParentSampled}, ` +
      `remoteParentNotSampled=${this._remoteParentNotSampled}, localParentSampled=${this._localParentSampled}, ` +
      `localParentNotSampled=${this._localParentNotSampled}}`
    );
  }
}

/**
 * Whether any span our tracers start in `ctx` is dropped, whatever its name, kind or attributes:
 * the span in `ctx` is one this SDK started and its sampler dropped, and every sampler here drops
 * the children of such a span. The parent-based ones follow a local unsampled parent with
 * always_off, always_off drops everything, traceidratio decides on the trace id, which a child
 * shares with its parent, and always_on never drops. (A dropped span that is not ours, such as a
 * remote parent or one the app wrapped, answers false: always_on would record its child.)
 *
 * An instrumentation can then skip a child span, its context and its wrappers' work: nothing of
 * it would be exported, and what the request propagates downstream (the trace id, the unsampled
 * flag) is the same from the parent's span context. With ratio sampling, most requests are these.
 */
export function childSpansAreDropped(ctx: Context): boolean {
  const span = ctx.getValue(SPAN_KEY) as { spanContext(): unknown; isRecording(): boolean } | undefined;
  if (span === undefined || span.isRecording()) return false;
  const spanContext = span.spanContext();
  return spanContext instanceof OwnSpanContext && (spanContext.traceFlags & TraceFlags.SAMPLED) === 0;
}

/** The sampler OTEL_TRACES_SAMPLER names; `ratio` is used by the traceidratio variants only. */
export function createSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler(new AlwaysOffSampler());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));
    case 'parentbased_always_on':
    default:
      // The spec default; config already warned about an unknown name.
      return new ParentBasedSampler(new AlwaysOnSampler());
  }
}
