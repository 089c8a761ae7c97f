// The independent oracle for our OTLP encoders: protobufjs with the official opentelemetry-proto
// files that dd-trace vendors. Also turns a decoded request (protobuf or OTLP/JSON) into one
// normalized span shape, so tests compare the two wire formats directly.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');

const protoDir = join(
  dirname(require.resolve('dd-trace/package.json')),
  'packages/dd-trace/src/opentelemetry/otlp',
);

// A private path inside a rival agent (pinned exactly in package.json): an upgrade that moves it
// must fail every test with one line naming the file, not with a protobufjs stack.
for (const file of ['trace_service.proto', 'trace.proto', 'common.proto', 'resource.proto']) {
  if (!existsSync(join(protoDir, file))) {
    throw new Error(`OTLP oracle: ${join(protoDir, file)} is missing; the official .proto files come from the pinned dev dependency dd-trace`);
  }
}

export const root = new protobuf.Root();
// The official files import each other by bare name ("trace.proto"): resolve them in protoDir.
root.resolvePath = (_origin, target) => join(protoDir, target);
root.loadSync('trace_service.proto', { keepCase: false });

export const ExportTraceServiceRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);
export const ExportTraceServiceResponse = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
);

/** Decodes protobuf bytes into a protobufjs message (camelCase fields, Long for 64-bit). */
export function decodeTraceRequest(buf) {
  return ExportTraceServiceRequest.decode(buf);
}

const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];

/** A protobufjs Long (or number / decimal string from JSON) as an unsigned bigint. */
export function toBigInt(value) {
  if (value === undefined || value === null || value === '') return 0n;
  if (typeof value === 'object' && 'low' in value && 'high' in value) {
    return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  }
  return BigInt(value);
}

function hex(bytes) {
  return bytes && bytes.length ? Buffer.from(bytes).toString('hex') : '';
}

function enumName(names, value, prefix) {
  if (typeof value === 'string') return value.startsWith(prefix) ? value.slice(prefix.length) : value;
  return names[value ?? 0] ?? String(value);
}

/**
 * The one walk from a decoded request to normalized spans. The wire formats differ only in how
 * an id (bytes / hex string) and an attribute list are read: `id` and `attributes` do that.
 */
function normalizeRequest(request, { id, attributes }) {
  const spans = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = { attributes: attributes(rs.resource?.attributes) };
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: id(s.traceId),
          spanId: id(s.spanId),
          parentSpanId: id(s.parentSpanId),
          traceState: s.traceState ?? '',
          flags: s.flags ?? 0,
          name: s.name ?? '',
          kind: enumName(KIND_NAMES, s.kind, 'SPAN_KIND_'),
          startTimeUnixNano: toBigInt(s.startTimeUnixNano),
          endTimeUnixNano: toBigInt(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          droppedAttributesCount: s.droppedAttributesCount ?? 0,
          events: (s.events ?? []).map((e) => ({
            name: e.name ?? '',
            timeUnixNano: toBigInt(e.timeUnixNano),
            attributes: attributes(e.attributes),
            droppedAttributesCount: e.droppedAttributesCount ?? 0,
          })),
          droppedEventsCount: s.droppedEventsCount ?? 0,
          links: (s.links ?? []).map((l) => ({
            traceId: id(l.traceId),
            spanId: id(l.spanId),
            traceState: l.traceState ?? '',
            flags: l.flags ?? 0,
            attributes: attributes(l.attributes),
            droppedAttributesCount: l.droppedAttributesCount ?? 0,
          })),
          droppedLinksCount: s.droppedLinksCount ?? 0,
          status: {
            code: enumName(STATUS_NAMES, s.status?.code, 'STATUS_CODE_'),
            message: s.status?.message ?? '',
          },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

// --- protobuf (decoded by protobufjs) ------------------------------------------------------

function protoAnyValue(anyValue) {
  if (!anyValue) return undefined;
  switch (anyValue.value) {
    case 'stringValue':
      return anyValue.stringValue;
    case 'boolValue':
      return anyValue.boolValue;
    case 'intValue': {
      const v = anyValue.intValue;
      return typeof v === 'number' ? v : protobuf.util.Long.fromValue(v).toNumber();
    }
    case 'doubleValue':
      return anyValue.doubleValue;
    case 'arrayValue':
      return (anyValue.arrayValue.values ?? []).map(protoAnyValue);
    case 'kvlistValue':
      return protoAttributes(anyValue.kvlistValue.values);
    case 'bytesValue':
      return Buffer.from(anyValue.bytesValue);
    default:
      return undefined;
  }
}

function protoAttributes(keyValues = []) {
  const out = {};
  for (const kv of keyValues) out[kv.key] = protoAnyValue(kv.value);
  return out;
}

/** Normalized spans from a protobufjs-decoded ExportTraceServiceRequest. */
export function normalizeProtoRequest(request) {
  return normalizeRequest(request, { id: hex, attributes: protoAttributes });
}

// --- OTLP/JSON (JSON.parse) ---------------------------------------------------------------

function jsonAnyValue(anyValue) {
  if (!anyValue) return undefined;
  if ('stringValue' in anyValue) return anyValue.stringValue;
  if ('boolValue' in anyValue) return anyValue.boolValue;
  if ('intValue' in anyValue) return Number(anyValue.intValue);
  if ('doubleValue' in anyValue) return Number(anyValue.doubleValue);
  if ('arrayValue' in anyValue) return (anyValue.arrayValue.values ?? []).map(jsonAnyValue);
  if ('kvlistValue' in anyValue) return jsonAttributes(anyValue.kvlistValue.values);
  if ('bytesValue' in anyValue) return Buffer.from(anyValue.bytesValue, 'base64');
  return undefined;
}

function jsonAttributes(keyValues = []) {
  const out = {};
  for (const kv of keyValues) out[kv.key] = jsonAnyValue(kv.value);
  return out;
}

/** Normalized spans from a parsed OTLP/JSON ExportTraceServiceRequest. */
export function normalizeJsonRequest(request) {
  return normalizeRequest(request, { id: (value) => value ?? '', attributes: jsonAttributes });
}
