/**
 * Starts spans: picks the parent from the context, asks the sampler, and returns either our
 * recording Span or, for NOT_RECORD, a non-recording span that still carries a fresh span id and
 * the unsampled flag, so the decision propagates to children and downstream services.
 */
import {
  INVALID_SPAN_CONTEXT,
  SpanKind,
  TraceFlags,
  context as contextApi,
  trace,
  type Context,
  type Span as ApiSpan,
  type SpanContext,
  type SpanOptions,
  type Tracer as ApiTracer,
} from '@opentelemetry/api';
import { log } from '../log';
import { ID_WORDS_USABLE, idWord, isValidSpanContext, newSpanId, newTraceId, OwnSpanContext } from './ids';
import { SamplingDecision, type Sampler, type SamplingResult } from './samplers';
import { Span, type ProviderState } from './span';
import { isTracingSuppressed } from './suppress-tracing';
import { setLimitedAttributes } from './attributes';
import { nowMs, timeInputToMs } from './time';
import { ID_WORDS_PARENT, ID_WORDS_SPAN, ID_WORDS_TRACE, type InstrumentationScope } from './types';

const NO_OPTIONS: SpanOptions = Object.freeze({});
// Non-recording spans are immutable, so one instance serves every suppressed / post-shutdown call.
const INVALID_SPAN: ApiSpan = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The provider state plus the sampler: what a tracer needs beyond its scope. */
export interface TracerState extends ProviderState {
  readonly sampler: Sampler;
}

export class Tracer implements ApiTracer {
  constructor(
    private readonly _state: TracerState,
    readonly scope: InstrumentationScope,
  ) {}

  startSpan(name: string, options: SpanOptions = NO_OPTIONS, ctx: Context = contextApi.active()): ApiSpan {
    try {
      return this._startSpan(name, options, ctx);
    } catch (err) {
      // E.g. a context that is not a Context, or an attributes object whose getter throws.
      log.errorOnce('OTELI_E_START_SPAN', 'startSpan failed; returned a non-recording span', err);
      return INVALID_SPAN;
    }
  }

  private _startSpan(name: string, options: SpanOptions, ctx: Context): ApiSpan {
    const state = this._state;
    if (state.isShutdown || isTracingSuppressed(ctx)) return INVALID_SPAN;
    if (options === null || typeof options !== 'object') options = NO_OPTIONS;
    if (options.root === true) ctx = trace.deleteSpan(ctx);

    const parentSpan = trace.getSpan(ctx);
    const parent = parentSpan?.spanContext();
    const hasParent = parent !== undefined && isValidSpanContext(parent);
    // A span of ours in the context: its context is the parent's, its words the parent's ids.
    const ownParent = hasParent && parentSpan instanceof Span ? parentSpan : undefined;
    // The ids' words (SpanIdWords), each read as its id is made: the next id may refill the pool.
    let knownIdWords = 0;
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    let traceId: string;
    if (!hasParent) {
      traceId = newTraceId();
      if (ID_WORDS_USABLE) {
        knownIdWords = ID_WORDS_TRACE;
        t0 = idWord(0);
        t1 = idWord(1);
        t2 = idWord(2);
        t3 = idWord(3);
      }
    } else {
      traceId = parent.traceId;
      if (ownParent !== undefined && (ownParent.knownIdWords & ID_WORDS_TRACE) !== 0) {
        knownIdWords = ID_WORDS_TRACE;
        t0 = ownParent.traceWord0;
        t1 = ownParent.traceWord1;
        t2 = ownParent.traceWord2;
        t3 = ownParent.traceWord3;
      }
    }
    const spanId = newSpanId();
    const s0 = ID_WORDS_USABLE ? idWord(0) : 0;
    const s1 = ID_WORDS_USABLE ? idWord(1) : 0;
    const kind = options.kind ?? SpanKind.INTERNAL;
    const spanName = typeof name === 'string' ? name : String(name);

    let result: SamplingResult;
    try {
      result = state.sampler.shouldSample(ctx, traceId, spanName, kind, options.attributes, options.links);
    } catch (err) {
      log.errorOnce('OTELI_E_SAMPLER', 'sampler threw; span not recorded', err);
      return INVALID_SPAN;
    }
    const decision = result.decision;
    const spanContext: SpanContext = new OwnSpanContext(
      traceId,
      spanId,
      decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      result.traceState ?? (hasParent ? parent.traceState : undefined),
    );
    if (decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext);

    const startMs = options.startTime === undefined ? nowMs() : timeInputToMs(options.startTime);
    const span = new Span(
      state,
      this.scope,
      spanName,
      kind,
      spanContext,
      hasParent ? parent.spanId : undefined,
      hasParent && parent.isRemote === true,
      startMs,
    );
    if (ID_WORDS_USABLE) {
      span.traceWord0 = t0;
      span.traceWord1 = t1;
      span.traceWord2 = t2;
      span.traceWord3 = t3;
      span.spanWord0 = s0;
      span.spanWord1 = s1;
      knownIdWords |= ID_WORDS_SPAN;
      if (ownParent !== undefined && (ownParent.knownIdWords & ID_WORDS_SPAN) !== 0) {
        span.parentWord0 = ownParent.spanWord0;
        span.parentWord1 = ownParent.spanWord1;
        knownIdWords |= ID_WORDS_PARENT;
      }
      span.knownIdWords = knownIdWords;
    }
    const limits = state.spanLimits;
    if (options.attributes !== undefined) {
      setLimitedAttributes(span, options.attributes, limits.attributeCountLimit, limits.attributeValueLengthLimit);
    }
    if (result.attributes !== undefined) {
      setLimitedAttributes(span, result.attributes, limits.attributeCountLimit, limits.attributeValueLengthLimit);
    }
    if (options.links !== undefined) span.addLinks(options.links);
    state.openSpanCount++;

    if (decision === SamplingDecision.RECORD_AND_SAMPLED && state.processor.onStart !== undefined) {
      try {
        state.processor.onStart(span);
      } catch (err) {
        log.errorOnce('OTELI_E_PROCESSOR_ON_START', 'span processor failed in onStart', err);
      }
    }
    return span;
  }

  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(
    name: string,
    arg2?: F | SpanOptions,
    arg3?: F | Context,
    arg4?: F,
  ): ReturnType<F> | undefined {
    let options: SpanOptions | undefined;
    let parentCtx: Context | undefined;
    let fn: F;
    if (arguments.length < 3) {
      fn = arg2 as F;
    } else if (arguments.length === 3) {
      options = arg2 as SpanOptions;
      fn = arg3 as F;
    } else {
      options = arg2 as SpanOptions;
      parentCtx = arg3 as Context;
      fn = arg4 as F;
    }
    if (typeof fn !== 'function') {
      log.debug('startActiveSpan called without a function; no span started');
      return undefined;
    }
    const ctx = parentCtx ?? contextApi.active();
    const span = this.startSpan(name, options, ctx);
    return contextApi.with(trace.setSpan(ctx, span), fn as (s: ApiSpan) => ReturnType<F>, undefined, span);
  }
}
