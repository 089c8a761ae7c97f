/**
 * What the protobuf and JSON OTLP encoders share: the resource → scope → spans grouping of an
 * ExportTraceServiceRequest, and the field conversions both wire formats agree on
 * (span kind, flags bits, epoch-ms doubles to 64-bit nanoseconds).
 */
import type { InstrumentationScope, ReadableSpan, Resource, SpanContext } from '../sdk/types';

export interface ScopeGroup {
  readonly scope: InstrumentationScope;
  readonly spans: ReadableSpan[];
}

export interface ResourceGroup {
  readonly resource: Resource;
  readonly scopes: ScopeGroup[];
}

/**
 * Groups spans by resource object, then by scope (name + version + schemaUrl), keeping the order
 * in which each first appears. Resources are compared by identity: the SDK hands every span the
 * same frozen resource object, and comparing attributes per span would cost more than it saves.
 *
 * A batch nearly always has one resource and a few scopes (one frozen object per tracer), so
 * each lookup is a short scan by identity, falling back to comparing the scope's fields; no key
 * string or map entry is built per span.
 */
export function groupSpansByResourceAndScope(spans: readonly ReadableSpan[]): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  let lastScope: InstrumentationScope | undefined;
  let lastResource: Resource | undefined;
  let lastScopeGroup: ScopeGroup | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const scope = span.scope;
    const resource = span.resource;
    // Runs of spans from one tracer are common: skip the lookups.
    if (scope === lastScope && resource === lastResource) {
      lastScopeGroup!.spans.push(span);
      continue;
    }
    const scopeGroup = scopeGroupFor(resourceGroupFor(groups, resource), scope);
    scopeGroup.spans.push(span);
    lastScope = scope;
    lastResource = resource;
    lastScopeGroup = scopeGroup;
  }
  return groups;
}

function resourceGroupFor(groups: ResourceGroup[], resource: Resource): ResourceGroup {
  for (let i = 0; i < groups.length; i++) {
    if (groups[i]!.resource === resource) return groups[i]!;
  }
  const group: ResourceGroup = { resource, scopes: [] };
  groups.push(group);
  return group;
}

function scopeGroupFor({ scopes }: ResourceGroup, scope: InstrumentationScope): ScopeGroup {
  for (let i = 0; i < scopes.length; i++) {
    if (scopes[i]!.scope === scope) return scopes[i]!;
  }
  // Two tracers with the same name, version and schema URL share a scope in the request.
  const name = scope.name;
  const version = scope.version ?? '';
  const schemaUrl = scope.schemaUrl ?? '';
  for (let i = 0; i < scopes.length; i++) {
    const other = scopes[i]!.scope;
    if (other.name === name && (other.version ?? '') === version && (other.schemaUrl ?? '') === schemaUrl) {
      return scopes[i]!;
    }
  }
  const group: ScopeGroup = { scope, spans: [] };
  scopes.push(group);
  return group;
}

/** The API's SpanKind starts at INTERNAL = 0; OTLP reserves 0 for UNSPECIFIED. */
export function otlpSpanKind(apiKind: number): number {
  return apiKind + 1;
}

// trace.proto SpanFlags: bits 0-7 carry the W3C trace flags; bit 8 says whether "is remote" is
// known, bit 9 says it is remote (OTLP 1.1+; older receivers ignore the upper bits).
const TRACE_FLAGS_MASK = 0xff;
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/**
 * Span.flags: the span's trace flags, and whether its *parent* was remote. A root span's parent
 * is known not to be remote, so bit 8 is always set.
 */
export function otlpSpanFlags(span: ReadableSpan): number {
  const remote = span.parentSpanId !== undefined && span.parentIsRemote;
  return (span.spanContext().traceFlags & TRACE_FLAGS_MASK) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0);
}

/**
 * Link.flags: the linked context's trace flags, and whether it came from another process.
 * SpanContext.isRemote is optional in the API; when absent, "is remote" stays unknown.
 */
export function otlpLinkFlags(context: SpanContext): number {
  const traceFlags = context.traceFlags & TRACE_FLAGS_MASK;
  if (context.isRemote === undefined) return traceFlags;
  return traceFlags | HAS_IS_REMOTE | (context.isRemote ? IS_REMOTE : 0);
}

/**
 * Epoch nanoseconds, split so that no step exceeds 2^53: whole milliseconds, plus the
 * sub-millisecond part in nanoseconds. ms * 1e6 as one double would round to ~256 ns at today's
 * epoch; the split keeps everything exact. The fraction is rounded to the microsecond, because a
 * double near 1.7e12 ms carries only ~0.24 µs of resolution: digits below that are noise.
 */
export interface EpochNanos {
  /** Whole milliseconds since the epoch (a safe integer). */
  wholeMs: number;
  /** Nanoseconds past wholeMs, a multiple of 1000 in [0, 999000]. */
  extraNs: number;
}

const scratch: EpochNanos = { wholeMs: 0, extraNs: 0 };

/**
 * Splits epoch ms into (wholeMs, extraNs). Returns a shared scratch object, valid until the next
 * call: it is read immediately by both encoders, and it saves one allocation per timestamp.
 */
export function splitEpochMs(epochMs: number): EpochNanos {
  if (!(epochMs > 0) || !Number.isFinite(epochMs)) {
    scratch.wholeMs = 0;
    scratch.extraNs = 0;
    return scratch;
  }
  let wholeMs = Math.floor(epochMs);
  // Subtracting the floor is exact for doubles, so the fraction loses nothing here.
  let extraUs = Math.round((epochMs - wholeMs) * 1000);
  if (extraUs === 1000) {
    wholeMs += 1;
    extraUs = 0;
  }
  scratch.wholeMs = wholeMs;
  scratch.extraNs = extraUs * 1000;
  return scratch;
}

const TWO_POW_32 = 4294967296;

/** Epoch ms → unsigned 64-bit nanoseconds as [low, high] 32-bit halves, for fixed64 fields. */
export function epochMsToNanoHalves(epochMs: number, out: [number, number]): [number, number] {
  const { wholeMs, extraNs } = splitEpochMs(epochMs);
  // nanos = wholeMs * 1e6 + extraNs, with wholeMs = msHigh * 2^32 + msLow. msLow * 1e6 < 2^53,
  // so the low product is exact; its overflow above 2^32 carries into the high half.
  const msHigh = Math.floor(wholeMs / TWO_POW_32);
  const msLow = wholeMs - msHigh * TWO_POW_32;
  const lowProduct = msLow * 1e6 + extraNs;
  const carry = Math.floor(lowProduct / TWO_POW_32);
  out[0] = lowProduct - carry * TWO_POW_32;
  out[1] = msHigh * 1e6 + carry;
  return out;
}

/** Epoch ms → unsigned 64-bit nanoseconds as a decimal string, for OTLP/JSON. */
export function epochMsToNanoString(epochMs: number): string {
  const { wholeMs, extraNs } = splitEpochMs(epochMs);
  if (wholeMs === 0) return String(extraNs);
  // Appending six digits is exact where wholeMs * 1e6 as a double would not be.
  return `${wholeMs}${String(extraNs).padStart(6, '0')}`;
}
