/**
 * The SDK span: one object is both the api.Span the app writes to and the ReadableSpan the
 * processor and exporters read after end, so ending a span copies nothing.
 *
 * Allocation per span is the span, its SpanContext and its attributes object; events, links and
 * a non-UNSET status are allocated only when used (shared frozen empties until then).
 * After end() every mutator is a no-op (spec: "a Span that has ended is no longer recording").
 */
import {
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type Exception,
  type Link,
  type Span as ApiSpan,
  type SpanAttributeValue,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { isLogLevelEnabled, log } from '../log';
import type { SpanLimits } from '../config/types';
import type {
  InstrumentationScope,
  ReadableSpan,
  Resource,
  SpanEventData,
  SpanLinkData,
  SpanIdWords,
  SpanProcessor,
} from './types';
import { EMPTY_ATTRIBUTES, setLimitedAttribute, setLimitedAttributes, type AttributeHolder } from './attributes';
import { nowMs, timeInputToMs } from './time';

/** What all spans of one provider share (one object per provider; counters are mutable). */
export interface ProviderState {
  readonly resource: Resource;
  readonly spanLimits: SpanLimits;
  readonly processor: SpanProcessor;
  /** Recording spans started and not yet ended. */
  openSpanCount: number;
  isShutdown: boolean;
}

const NO_EVENTS: readonly SpanEventData[] = Object.freeze([]);
const NO_LINKS: readonly SpanLinkData[] = Object.freeze([]);
const UNSET_STATUS: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const OK_STATUS: SpanStatus = Object.freeze({ code: SpanStatusCode.OK });

let eventLimitWarned = false;
let linkLimitWarned = false;

class SpanEvent implements SpanEventData, AttributeHolder {
  attributes: Attributes = EMPTY_ATTRIBUTES;
  attributeCount = 0;
  droppedAttributesCount = 0;
  constructor(
    readonly name: string,
    readonly timeUnixMs: number,
  ) {}
}

class SpanLink implements SpanLinkData, AttributeHolder {
  attributes: Attributes = EMPTY_ATTRIBUTES;
  attributeCount = 0;
  droppedAttributesCount = 0;
  constructor(readonly context: SpanContext) {}
}

function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === 'number' || Array.isArray(value) || value instanceof Date;
}

function logEnded(span: Span, operation: string): void {
  if (isLogLevelEnabled('debug')) log.debug(`${operation} on ended span "${span.name}" ignored`);
}

export class Span implements ApiSpan, ReadableSpan, SpanIdWords, AttributeHolder {
  attributes: Attributes = EMPTY_ATTRIBUTES;
  attributeCount = 0;
  droppedAttributesCount = 0;
  events: readonly SpanEventData[] = NO_EVENTS;
  droppedEventsCount = 0;
  links: readonly SpanLinkData[] = NO_LINKS;
  droppedLinksCount = 0;
  status: SpanStatus = UNSET_STATUS;
  endTimeUnixMs = 0;
  private _ended = false;
  // The ids as words (SpanIdWords), set by the tracer right after construction.
  knownIdWords = 0;
  traceWord0 = 0;
  traceWord1 = 0;
  traceWord2 = 0;
  traceWord3 = 0;
  spanWord0 = 0;
  spanWord1 = 0;
  parentWord0 = 0;
  parentWord1 = 0;

  constructor(
    private readonly _state: ProviderState,
    readonly scope: InstrumentationScope,
    public name: string,
    readonly kind: SpanKind,
    private readonly _spanContext: SpanContext,
    readonly parentSpanId: string | undefined,
    readonly parentIsRemote: boolean,
    readonly startTimeUnixMs: number,
  ) {}

  get resource(): Resource {
    return this._state.resource;
  }

  /** True once end() was called; after that the span is read-only. */
  get ended(): boolean {
    return this._ended;
  }

  spanContext(): SpanContext {
    return this._spanContext;
  }

  isRecording(): boolean {
    return !this._ended;
  }

  setAttribute(key: string, value: SpanAttributeValue): this {
    if (this._ended) {
      logEnded(this, 'setAttribute');
      return this;
    }
    const limits = this._state.spanLimits;
    setLimitedAttribute(this, key, value, limits.attributeCountLimit, limits.attributeValueLengthLimit);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (this._ended) {
      logEnded(this, 'setAttributes');
      return this;
    }
    const limits = this._state.spanLimits;
    setLimitedAttributes(this, attributes, limits.attributeCountLimit, limits.attributeValueLengthLimit);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this._ended) {
      logEnded(this, 'addEvent');
      return this;
    }
    if (isTimeInput(attributesOrTime)) this._pushEvent(name, undefined, attributesOrTime);
    else this._pushEvent(name, attributesOrTime, time);
    return this;
  }

  addLink(link: Link): this {
    if (this._ended) {
      logEnded(this, 'addLink');
      return this;
    }
    this._pushLink(link);
    return this;
  }

  addLinks(links: Link[]): this {
    if (this._ended) {
      logEnded(this, 'addLinks');
      return this;
    }
    if (Array.isArray(links)) for (let i = 0; i < links.length; i++) this._pushLink(links[i]);
    return this;
  }

  /**
   * Spec rules: UNSET is ignored; OK is final (later calls are ignored); the description is kept
   * only for ERROR; a later ERROR replaces an earlier one.
   */
  setStatus(status: SpanStatus): this {
    if (this._ended) {
      logEnded(this, 'setStatus');
      return this;
    }
    if (status === null || typeof status !== 'object' || this.status.code === SpanStatusCode.OK) return this;
    if (status.code === SpanStatusCode.OK) {
      this.status = OK_STATUS;
    } else if (status.code === SpanStatusCode.ERROR) {
      this.status =
        typeof status.message === 'string'
          ? { code: SpanStatusCode.ERROR, message: status.message }
          : { code: SpanStatusCode.ERROR };
    }
    return this;
  }

  updateName(name: string): this {
    if (this._ended) {
      logEnded(this, 'updateName');
      return this;
    }
    this.name = name;
    return this;
  }

  /**
   * Adds an "exception" event (semantic conventions: exception.type / .message / .stacktrace).
   * Accepts what apps actually throw: Errors, strings, objects with code/name/message/stack, and
   * other primitives. An object's `code` (e.g. Node's ECONNREFUSED) wins over `name` for the
   * type, as in the official JS SDK, so both SDKs report the same type.
   */
  recordException(exception: Exception, time?: TimeInput): void {
    if (this._ended) {
      logEnded(this, 'recordException');
      return;
    }
    let type: string | undefined;
    let message: string | undefined;
    let stacktrace: string | undefined;
    const value = exception as unknown;
    if (typeof value === 'string') {
      message = value;
    } else if (value !== null && typeof value === 'object') {
      const { code, name, message: msg, stack } = value as Record<string, unknown>;
      if (typeof code === 'string' || typeof code === 'number') type = String(code);
      else if (typeof name === 'string') type = name;
      if (typeof msg === 'string') message = msg;
      if (typeof stack === 'string') stacktrace = stack;
    } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
      message = String(value);
    }
    if (type === undefined && message === undefined) {
      // Semantic conventions require exception.type or exception.message.
      if (isLogLevelEnabled('debug')) log.debug('recordException ignored: no type or message in the exception');
      return;
    }
    const event = this._pushEvent('exception', undefined, time);
    if (event === undefined) return;
    const limits = this._state.spanLimits;
    const countLimit = limits.attributePerEventCountLimit;
    const lengthLimit = limits.attributeValueLengthLimit;
    event.attributes = {};
    if (type !== undefined) setLimitedAttribute(event, 'exception.type', type, countLimit, lengthLimit);
    if (message !== undefined) setLimitedAttribute(event, 'exception.message', message, countLimit, lengthLimit);
    if (stacktrace !== undefined) setLimitedAttribute(event, 'exception.stacktrace', stacktrace, countLimit, lengthLimit);
  }

  /** Ends the span once; an end time before the start is clamped to the start. */
  end(endTime?: TimeInput): void {
    if (this._ended) {
      logEnded(this, 'end');
      return;
    }
    this._ended = true;
    const endMs = endTime === undefined ? nowMs() : timeInputToMs(endTime);
    this.endTimeUnixMs = endMs < this.startTimeUnixMs ? this.startTimeUnixMs : endMs;
    const state = this._state;
    state.openSpanCount--;
    if ((this._spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return;
    try {
      state.processor.onEnd(this);
    } catch (err) {
      log.errorOnce('OTELI_E_PROCESSOR_ON_END', 'span processor failed in onEnd; span lost', err);
    }
  }

  /** Adds an event within the limits; returns it (undefined when dropped) so callers can fill it. */
  private _pushEvent(name: string, attributes: Attributes | undefined, time: TimeInput | undefined): SpanEvent | undefined {
    const limits = this._state.spanLimits;
    if (this.events.length >= limits.eventCountLimit) {
      this.droppedEventsCount++;
      if (!eventLimitWarned) {
        eventLimitWarned = true;
        log.warnOnce('OTELI_W_SPAN_EVENT_LIMIT', 'span events dropped: OTEL_SPAN_EVENT_COUNT_LIMIT reached; see droppedEventsCount');
      }
      return undefined;
    }
    const event = new SpanEvent(String(name), time === undefined ? nowMs() : timeInputToMs(time));
    if (attributes !== undefined && attributes !== null) {
      event.attributes = {};
      setLimitedAttributes(event, attributes, limits.attributePerEventCountLimit, limits.attributeValueLengthLimit);
    }
    if (this.events === NO_EVENTS) this.events = [event];
    else (this.events as SpanEventData[]).push(event);
    return event;
  }

  private _pushLink(link: Link): void {
    if (link === null || typeof link !== 'object' || link.context === null || typeof link.context !== 'object') {
      if (isLogLevelEnabled('debug')) log.debug('link without a span context ignored');
      return;
    }
    const limits = this._state.spanLimits;
    if (this.links.length >= limits.linkCountLimit) {
      this.droppedLinksCount++;
      if (!linkLimitWarned) {
        linkLimitWarned = true;
        log.warnOnce('OTELI_W_SPAN_LINK_LIMIT', 'span links dropped: OTEL_SPAN_LINK_COUNT_LIMIT reached; see droppedLinksCount');
      }
      return;
    }
    const spanLink = new SpanLink(link.context);
    if (link.attributes !== undefined && link.attributes !== null) {
      spanLink.attributes = {};
      setLimitedAttributes(spanLink, link.attributes, limits.attributePerLinkCountLimit, limits.attributeValueLengthLimit);
    }
    if (this.links === NO_LINKS) this.links = [spanLink];
    else (this.links as SpanLinkData[]).push(spanLink);
  }
}

/** Test hook: let the one-time limit warnings be printed again. */
export function resetSpanWarnings(): void {
  eventLimitWarned = false;
  linkLimitWarned = false;
}
