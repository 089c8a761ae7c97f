/**
 * ExportTraceServiceRequest in protobuf binary, hand-written so the runtime needs no protobuf
 * library. Field numbers follow opentelemetry-proto's trace.proto, common.proto and
 * resource.proto; the unit tests decode our output with protobufjs and those official files.
 *
 * One pass over the batch into a reused ProtobufWriter (see protobuf-writer.ts). Each resource
 * and scope is encoded once per batch, because grouping puts every distinct one in the request
 * exactly once. Attributes, most of a span's bytes, take a fast path: a KeyValue whose value is a
 * string, number or boolean has its lengths computed up front, its key field comes pre-encoded
 * from a small cache, since keys are a small set repeated on every span, and a value that
 * repeats has its whole KeyValue copied (KeyEntry).
 *
 * Spans can also be encoded ahead, as they end (./otlp-proto-prepared.ts): the request then
 * copies their bytes, so the queue holds bytes rather than span objects.
 */
import type { Attributes, PreparedSpan, ReadableSpan, SpanEventData, SpanLinkData } from '../sdk/types';
import { ID_WORDS_PARENT, ID_WORDS_SPAN, ID_WORDS_TRACE } from '../sdk/types';
import {
  epochMsToNanoHalves,
  groupSpansByResourceAndScope,
  otlpLinkFlags,
  otlpSpanFlags,
  otlpSpanKind,
  type ResourceGroup,
  type ScopeGroup,
} from './otlp-grouping';
import { ProtobufWriter, utf8ByteLength, varint32Size, varint64Size } from './protobuf-writer';

// Field numbers, named after the proto fields.
const REQUEST_RESOURCE_SPANS = 1;
const RESOURCE_SPANS_RESOURCE = 1;
const RESOURCE_SPANS_SCOPE_SPANS = 2;
const RESOURCE_ATTRIBUTES = 1;
const RESOURCE_DROPPED_ATTRIBUTES_COUNT = 2;
const SCOPE_SPANS_SCOPE = 1;
const SCOPE_SPANS_SPANS = 2;
const SCOPE_SPANS_SCHEMA_URL = 3;
const SCOPE_NAME = 1;
const SCOPE_VERSION = 2;
const SPAN_TRACE_ID = 1;
const SPAN_SPAN_ID = 2;
const SPAN_TRACE_STATE = 3;
const SPAN_PARENT_SPAN_ID = 4;
const SPAN_NAME = 5;
const SPAN_KIND = 6;
const SPAN_START_TIME_UNIX_NANO = 7;
const SPAN_END_TIME_UNIX_NANO = 8;
const SPAN_ATTRIBUTES = 9;
const SPAN_DROPPED_ATTRIBUTES_COUNT = 10;
const SPAN_EVENTS = 11;
const SPAN_DROPPED_EVENTS_COUNT = 12;
const SPAN_LINKS = 13;
const SPAN_DROPPED_LINKS_COUNT = 14;
const SPAN_STATUS = 15;
const SPAN_FLAGS = 16;
const EVENT_TIME_UNIX_NANO = 1;
const EVENT_NAME = 2;
const EVENT_ATTRIBUTES = 3;
const EVENT_DROPPED_ATTRIBUTES_COUNT = 4;
const LINK_TRACE_ID = 1;
const LINK_SPAN_ID = 2;
const LINK_TRACE_STATE = 3;
const LINK_ATTRIBUTES = 4;
const LINK_DROPPED_ATTRIBUTES_COUNT = 5;
const LINK_FLAGS = 6;
const STATUS_MESSAGE = 2;
const STATUS_CODE = 3;
const KEY_VALUE_KEY = 1;
const KEY_VALUE_VALUE = 2;
const ANY_VALUE_STRING = 1;
const ANY_VALUE_BOOL = 2;
const ANY_VALUE_INT = 3;
const ANY_VALUE_DOUBLE = 4;
const ANY_VALUE_ARRAY = 5;
const ANY_VALUE_KVLIST = 6;
const ANY_VALUE_BYTES = 7;
const ARRAY_VALUE_VALUES = 1;
const KVLIST_VALUES = 1;

/**
 * Spans an exporter prepared (./otlp-proto-prepared.ts): a run of one resource and scope whose
 * Span fields, as ScopeSpans holds them (tag, length, message), are bytes [start, end).
 */
export interface PreparedSpanBytes extends PreparedSpan {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

/**
 * Encodes one batch as an ExportTraceServiceRequest. An empty batch gives an empty (valid) request.
 * Spans prepared ahead (PreparedSpanBytes) have their bytes copied.
 */
export function encodeTraceRequestProto(spans: readonly (ReadableSpan | PreparedSpan)[]): Uint8Array {
  const groups = groupSpansByResourceAndScope(spans as readonly ReadableSpan[]);
  const w = writer;
  w.reset();
  for (const group of groups) encodeResourceSpans(w, group);
  return w.finish();
}

// One writer for every batch: its scratch buffer is reused, and finish() hands out a copy.
// Encoding is synchronous and calls no user code that could start another encode meanwhile.
const writer = new ProtobufWriter();

// Reused by every timestamp: read immediately after each call, so sharing is safe.
const nanoHalves: [number, number] = [0, 0];

const TWO_POW_32 = 4294967296;

function encodeResourceSpans(w: ProtobufWriter, group: ResourceGroup): void {
  // A batch's groups run to hundreds of KB: a 3-byte length varint (up to 2 MiB) is the guess.
  w.beginMessage(REQUEST_RESOURCE_SPANS, 3);
  w.beginMessage(RESOURCE_SPANS_RESOURCE, 2);
  encodeAttributes(w, RESOURCE_ATTRIBUTES, group.resource.attributes);
  w.uint32(RESOURCE_DROPPED_ATTRIBUTES_COUNT, group.resource.droppedAttributesCount);
  w.endMessage();
  for (const scopeGroup of group.scopes) encodeScopeSpans(w, scopeGroup);
  w.endMessage();
}

function encodeScopeSpans(w: ProtobufWriter, { scope, spans }: ScopeGroup): void {
  w.beginMessage(RESOURCE_SPANS_SCOPE_SPANS, 3);
  w.beginMessage(SCOPE_SPANS_SCOPE);
  w.string(SCOPE_NAME, scope.name);
  w.string(SCOPE_VERSION, scope.version ?? '');
  w.endMessage();
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    if ((span as unknown as PreparedSpan).isPrepared !== true) {
      encodeSpan(w, span);
      continue;
    }
    // A run fills one place per span, and runs of one chunk that follow each other in it
    // (a batch's part of a run, and the rest of it in the next) lie side by side: one copy.
    const run = span as unknown as PreparedSpanBytes;
    const buffer = run.bytes;
    let end = run.end;
    let last: PreparedSpanBytes = run;
    while (i + 1 < spans.length) {
      const next = spans[i + 1] as unknown as PreparedSpanBytes;
      if (next === last) {
        i++;
        continue;
      }
      if (next.isPrepared !== true || next.bytes !== buffer || next.start !== end) break;
      last = next;
      end = next.end;
      i++;
    }
    w.rawRange(buffer, run.start, end);
  }
  w.string(SCOPE_SPANS_SCHEMA_URL, scope.schemaUrl ?? '');
  w.endMessage();
}

/** One span as ScopeSpans holds it: the field's tag and length, then the Span message. */
export function encodeSpan(w: ProtobufWriter, span: ReadableSpan): void {
  const context = span.spanContext();
  // Spans with a dozen attributes take 128 to 16383 bytes: a 2-byte length varint.
  w.beginMessage(SCOPE_SPANS_SPANS, 2);
  // The ids' bytes as the SDK kept them, where it did; their hex otherwise (SpanIdWords).
  const known = span.knownIdWords ?? 0;
  if ((known & ID_WORDS_TRACE) !== 0) w.id128(SPAN_TRACE_ID, span.traceWord0!, span.traceWord1!, span.traceWord2!, span.traceWord3!);
  else w.hexBytes(SPAN_TRACE_ID, context.traceId);
  if ((known & ID_WORDS_SPAN) !== 0) w.id64(SPAN_SPAN_ID, span.spanWord0!, span.spanWord1!);
  else w.hexBytes(SPAN_SPAN_ID, context.spanId);
  w.string(SPAN_TRACE_STATE, context.traceState?.serialize() ?? '');
  if ((known & ID_WORDS_PARENT) !== 0) w.id64(SPAN_PARENT_SPAN_ID, span.parentWord0!, span.parentWord1!);
  else w.hexBytes(SPAN_PARENT_SPAN_ID, span.parentSpanId ?? '');
  w.string(SPAN_NAME, span.name);
  w.uint32(SPAN_KIND, otlpSpanKind(span.kind));
  epochMsToNanoHalves(span.startTimeUnixMs, nanoHalves);
  w.fixed64(SPAN_START_TIME_UNIX_NANO, nanoHalves[0], nanoHalves[1]);
  epochMsToNanoHalves(span.endTimeUnixMs, nanoHalves);
  w.fixed64(SPAN_END_TIME_UNIX_NANO, nanoHalves[0], nanoHalves[1]);
  encodeAttributes(w, SPAN_ATTRIBUTES, span.attributes);
  w.uint32(SPAN_DROPPED_ATTRIBUTES_COUNT, span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) encodeEvent(w, events[i]!);
  w.uint32(SPAN_DROPPED_EVENTS_COUNT, span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) encodeLink(w, links[i]!);
  w.uint32(SPAN_DROPPED_LINKS_COUNT, span.droppedLinksCount);
  const status = span.status;
  if (status.code !== 0 || (status.message !== undefined && status.message !== '')) {
    w.beginMessage(SPAN_STATUS);
    w.string(STATUS_MESSAGE, status.message ?? '');
    w.uint32(STATUS_CODE, status.code);
    w.endMessage();
  }
  w.fixed32(SPAN_FLAGS, otlpSpanFlags(span));
  w.endMessage();
}

function encodeEvent(w: ProtobufWriter, event: SpanEventData): void {
  w.beginMessage(SPAN_EVENTS);
  epochMsToNanoHalves(event.timeUnixMs, nanoHalves);
  w.fixed64(EVENT_TIME_UNIX_NANO, nanoHalves[0], nanoHalves[1]);
  w.string(EVENT_NAME, event.name);
  encodeAttributes(w, EVENT_ATTRIBUTES, event.attributes);
  w.uint32(EVENT_DROPPED_ATTRIBUTES_COUNT, event.droppedAttributesCount);
  w.endMessage();
}

function encodeLink(w: ProtobufWriter, link: SpanLinkData): void {
  const context = link.context;
  w.beginMessage(SPAN_LINKS);
  w.hexBytes(LINK_TRACE_ID, context.traceId);
  w.hexBytes(LINK_SPAN_ID, context.spanId);
  w.string(LINK_TRACE_STATE, context.traceState?.serialize() ?? '');
  encodeAttributes(w, LINK_ATTRIBUTES, link.attributes);
  w.uint32(LINK_DROPPED_ATTRIBUTES_COUNT, link.droppedAttributesCount);
  w.fixed32(LINK_FLAGS, otlpLinkFlags(context));
  w.endMessage();
}

/**
 * What the encoder keeps per attribute key: the key as an encoded field (tag, length, UTF-8),
 * and the last KeyValue written for it whole, for a value that repeats.
 *
 * Most of a span's attributes repeat from span to span (the method, the scheme, the server's
 * address and port, the protocol version, a status code, a route), and a server's spans come
 * one after the other in a batch: a value seen twice in a row for a key has its whole KeyValue
 * kept, and the next span with that value gets those bytes copied instead of encoded. A key
 * whose value changes every time (url.path, a peer port) costs one comparison more and keeps
 * nothing. Bounded: past MAX_CACHED_KEYS the cache starts over, so an app inventing keys (say,
 * one per header name) costs re-encoding, never memory; long keys and values are not kept.
 */
class KeyEntry {
  /** The value whose KeyValue `encoded` holds, as written under `field`. */
  value: unknown = undefined;
  field = 0;
  encoded: Uint8Array | undefined = undefined;
  /** The value written last: kept whole when it comes again. */
  lastValue: unknown = undefined;
  /**
   * How often another value came twice in a row since the kept one was last copied: the kept
   * value is replaced at the third time, so that two values taking turns (spans of two kinds in
   * one scope) do not make a copy at every turn.
   */
  missesSinceHit = 0;
  constructor(readonly keyField: Uint8Array) {}
}

const keyEntries = new Map<string, KeyEntry>();
const MAX_CACHED_KEYS = 1024;
const MAX_CACHED_KEY_CHARS = 256;
/** Longer string values are encoded every time: kept whole, they would cost memory per key. */
const MAX_KEPT_VALUE_CHARS = 128;
/** The empty key: proto3 leaves a zero-value string field out. */
const EMPTY_KEY_ENTRY = new KeyEntry(new Uint8Array(0));

function keyEntryOf(key: string): KeyEntry {
  const cached = keyEntries.get(key);
  if (cached !== undefined) return cached;
  if (key.length === 0) return EMPTY_KEY_ENTRY;
  const byteLength = utf8ByteLength(key);
  const lengthBytes = varint32Size(byteLength);
  const encoded = Buffer.allocUnsafe(1 + lengthBytes + byteLength);
  encoded[0] = (KEY_VALUE_KEY << 3) | 2;
  let pos = 1;
  let length = byteLength;
  for (; length > 0x7f; length >>>= 7) encoded[pos++] = (length & 0x7f) | 0x80;
  encoded[pos++] = length;
  encoded.write(key, pos, byteLength, 'utf8');
  const entry = new KeyEntry(encoded);
  if (key.length <= MAX_CACHED_KEY_CHARS) {
    if (keyEntries.size >= MAX_CACHED_KEYS) keyEntries.clear();
    keyEntries.set(key, entry);
  }
  return entry;
}

/** Repeated KeyValue under `field`. Undefined / null values are skipped, as the SDK spec says. */
export function encodeAttributes(
  w: ProtobufWriter,
  field: number,
  attributes: Attributes | Record<string, unknown>,
): void {
  // Object.keys, not for-in: V8 optimizes `for (k in o) o[k]` through the enum cache of o's map,
  // and on attribute objects of many shapes (built in different orders by instrumentations and
  // apps) that optimization can fail its check on every batch ("wrong enum indices"): hundreds
  // of deoptimizations a second, and on Node 20 and 22 a process that ran this function
  // unoptimized for good, 1.5x the agent's cost per request, chosen at random at start.
  // And the values by Object.values, in the same order, not by key: on attribute objects of many
  // shapes each `attributes[key]` is a megamorphic keyed load (ten of them cost 40 % more than
  // the one Object.values on Node 24). Should a getter among the values add or delete a key,
  // the two lists differ in length and each value is read by its key instead.
  const keys = Object.keys(attributes);
  const values = Object.values(attributes) as unknown[];
  const byKey = values.length !== keys.length;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const value: unknown = byKey ? (attributes as Record<string, unknown>)[key] : values[k];
    if (value === undefined || value === null) continue;
    const entry = keyEntryOf(key);
    if (entry.value === value && entry.field === field) {
      const encoded = entry.encoded!;
      w.ensure(encoded.length);
      w.raw(encoded);
      entry.missesSinceHit = 0;
      continue;
    }
    const start = w.position;
    const keyField = entry.keyField;
    switch (typeof value) {
      case 'string':
        encodeStringKeyValue(w, field, keyField, value);
        if (value.length > MAX_KEPT_VALUE_CHARS) continue;
        break;
      case 'number':
        if (Number.isSafeInteger(value)) {
          // A negative int64 is ten bytes of two's complement.
          const size =
            value < 0 ? 10 : value < TWO_POW_32 ? varint32Size(value) : varint64Size(value >>> 0, Math.floor(value / TWO_POW_32));
          keyValuePrefix(w, field, keyField, 1 + size);
          w.int64(ANY_VALUE_INT, value);
        } else {
          keyValuePrefix(w, field, keyField, 9);
          w.double(ANY_VALUE_DOUBLE, value);
        }
        break;
      case 'boolean':
        keyValuePrefix(w, field, keyField, 2);
        w.bool(ANY_VALUE_BOOL, value);
        break;
      default:
        // Arrays and objects: encoded every time (=== would not tell a changed array).
        w.beginMessage(field);
        w.ensure(keyField.length);
        w.raw(keyField);
        encodeAnyValue(w, KEY_VALUE_VALUE, value);
        w.endMessage();
        continue;
    }
    if (entry.lastValue === value && entry.keyField.length > 0 && (entry.encoded === undefined || ++entry.missesSinceHit > 2)) {
      entry.missesSinceHit = 0;
      entry.value = value;
      entry.field = field;
      entry.encoded = w.copyFrom(start);
    }
    entry.lastValue = value;
  }
}

/**
 * The start of a KeyValue under `field` whose AnyValue takes `anyValueLength` bytes: its tag and
 * length, the key, and the AnyValue's tag and length. The caller writes the AnyValue's one field.
 */
function keyValuePrefix(w: ProtobufWriter, field: number, keyField: Uint8Array, anyValueLength: number): void {
  w.tagLength(field, keyField.length + 1 + varint32Size(anyValueLength) + anyValueLength);
  w.raw(keyField);
  w.tagLength(KEY_VALUE_VALUE, anyValueLength);
}

function encodeStringKeyValue(w: ProtobufWriter, field: number, keyField: Uint8Array, value: string): void {
  if (w.prefixedAsciiString(field, keyField, KEY_VALUE_VALUE, ANY_VALUE_STRING, value)) return;
  const byteLength = utf8ByteLength(value);
  keyValuePrefix(w, field, keyField, 1 + varint32Size(byteLength) + byteLength);
  w.stringOfByteLength(ANY_VALUE_STRING, value, byteLength);
}

/**
 * AnyValue under `field`. Inside the oneof, zero values are written too: presence is what tells
 * `false` or `0` apart from "no value". null / undefined inside arrays become an empty AnyValue,
 * keeping array positions.
 */
function encodeAnyValue(w: ProtobufWriter, field: number, value: unknown): void {
  w.beginMessage(field);
  switch (typeof value) {
    case 'string':
      w.stringAlways(ANY_VALUE_STRING, value);
      break;
    case 'boolean':
      w.bool(ANY_VALUE_BOOL, value);
      break;
    case 'number':
      if (Number.isSafeInteger(value)) w.int64(ANY_VALUE_INT, value);
      else w.double(ANY_VALUE_DOUBLE, value);
      break;
    case 'bigint':
      // Not an API attribute type, but cheap to keep: int64 when it fits a double exactly.
      if (Number.isSafeInteger(Number(value))) w.int64(ANY_VALUE_INT, Number(value));
      else w.stringAlways(ANY_VALUE_STRING, value.toString());
      break;
    case 'object':
      if (value === null) break;
      if (Array.isArray(value)) {
        w.beginMessage(ANY_VALUE_ARRAY);
        for (const item of value as unknown[]) encodeAnyValue(w, ARRAY_VALUE_VALUES, item);
        w.endMessage();
      } else if (value instanceof Uint8Array) {
        w.bytes(ANY_VALUE_BYTES, value);
      } else {
        w.beginMessage(ANY_VALUE_KVLIST);
        encodeAttributes(w, KVLIST_VALUES, value as Record<string, unknown>);
        w.endMessage();
      }
      break;
    case 'undefined':
      break;
    default:
      w.stringAlways(ANY_VALUE_STRING, String(value));
  }
  w.endMessage();
}
