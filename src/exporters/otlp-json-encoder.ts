/**
 * ExportTraceServiceRequest in OTLP/JSON. It is protobuf's JSON mapping with OTLP's exceptions:
 * trace and span ids are hex strings (not base64), field names are lowerCamelCase, enums are
 * integers, and 64-bit integers are decimal strings (a JSON number would lose precision above
 * 2^53). Zero values are left out, as the mapping allows.
 */
import type { Attributes, ReadableSpan, SpanEventData, SpanLinkData } from '../sdk/types';
import {
  epochMsToNanoString,
  groupSpansByResourceAndScope,
  otlpLinkFlags,
  otlpSpanFlags,
  otlpSpanKind,
  type ScopeGroup,
} from './otlp-grouping';

type JsonObject = Record<string, unknown>;

export function encodeTraceRequestJson(spans: readonly ReadableSpan[]): string {
  const resourceSpans = groupSpansByResourceAndScope(spans).map((group) => {
    const resource: JsonObject = { attributes: toKeyValues(group.resource.attributes) };
    setCount(resource, 'droppedAttributesCount', group.resource.droppedAttributesCount);
    return { resource, scopeSpans: group.scopes.map(toScopeSpans) };
  });
  return JSON.stringify({ resourceSpans });
}

function toScopeSpans({ scope, spans }: ScopeGroup): JsonObject {
  const scopeJson: JsonObject = { name: scope.name };
  if (scope.version) scopeJson['version'] = scope.version;
  const scopeSpans: JsonObject = { scope: scopeJson, spans: spans.map(toSpan) };
  if (scope.schemaUrl) scopeSpans['schemaUrl'] = scope.schemaUrl;
  return scopeSpans;
}

function toSpan(span: ReadableSpan): JsonObject {
  const context = span.spanContext();
  const json: JsonObject = { traceId: context.traceId, spanId: context.spanId };
  const traceState = context.traceState?.serialize();
  if (traceState) json['traceState'] = traceState;
  if (span.parentSpanId) json['parentSpanId'] = span.parentSpanId;
  json['flags'] = otlpSpanFlags(span);
  json['name'] = span.name;
  json['kind'] = otlpSpanKind(span.kind);
  json['startTimeUnixNano'] = epochMsToNanoString(span.startTimeUnixMs);
  json['endTimeUnixNano'] = epochMsToNanoString(span.endTimeUnixMs);
  json['attributes'] = toKeyValues(span.attributes);
  setCount(json, 'droppedAttributesCount', span.droppedAttributesCount);
  json['events'] = span.events.map(toEvent);
  setCount(json, 'droppedEventsCount', span.droppedEventsCount);
  json['links'] = span.links.map(toLink);
  setCount(json, 'droppedLinksCount', span.droppedLinksCount);
  const status: JsonObject = {};
  if (span.status.message) status['message'] = span.status.message;
  if (span.status.code !== 0) status['code'] = span.status.code;
  json['status'] = status;
  return json;
}

function toEvent(event: SpanEventData): JsonObject {
  const json: JsonObject = {
    timeUnixNano: epochMsToNanoString(event.timeUnixMs),
    name: event.name,
    attributes: toKeyValues(event.attributes),
  };
  setCount(json, 'droppedAttributesCount', event.droppedAttributesCount);
  return json;
}

function toLink(link: SpanLinkData): JsonObject {
  const context = link.context;
  const json: JsonObject = { traceId: context.traceId, spanId: context.spanId };
  const traceState = context.traceState?.serialize();
  if (traceState) json['traceState'] = traceState;
  json['attributes'] = toKeyValues(link.attributes);
  setCount(json, 'droppedAttributesCount', link.droppedAttributesCount);
  const flags = otlpLinkFlags(context);
  if (flags !== 0) json['flags'] = flags;
  return json;
}

function setCount(json: JsonObject, name: string, count: number): void {
  if (count > 0) json[name] = count;
}

/** Undefined / null attribute values are skipped, matching the protobuf encoder. */
export function toKeyValues(attributes: Attributes | Record<string, unknown>): JsonObject[] {
  const keyValues: JsonObject[] = [];
  for (const key in attributes) {
    const value: unknown = attributes[key];
    if (value === undefined || value === null) continue;
    keyValues.push({ key, value: toAnyValue(value) });
  }
  return keyValues;
}

/** AnyValue; null / undefined inside arrays become `{}` (an AnyValue with nothing set). */
function toAnyValue(value: unknown): JsonObject {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      if (Number.isSafeInteger(value)) return { intValue: String(value) };
      // Protobuf's JSON mapping spells the non-finite doubles as strings.
      if (Number.isNaN(value)) return { doubleValue: 'NaN' };
      if (!Number.isFinite(value)) return { doubleValue: value > 0 ? 'Infinity' : '-Infinity' };
      return { doubleValue: value };
    case 'bigint':
      if (Number.isSafeInteger(Number(value))) return { intValue: value.toString() };
      return { stringValue: value.toString() };
    case 'object':
      if (value === null) return {};
      if (Array.isArray(value)) return { arrayValue: { values: (value as unknown[]).map(toAnyValue) } };
      // bytes are base64 in protobuf's JSON mapping; only trace / span ids are hex in OTLP.
      if (value instanceof Uint8Array) {
        return { bytesValue: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
      }
      return { kvlistValue: { values: toKeyValues(value as Record<string, unknown>) } };
    case 'undefined':
      return {};
    default:
      return { stringValue: String(value) };
  }
}
