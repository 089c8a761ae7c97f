/**
 * W3C Baggage (`baggage` header), https://www.w3.org/TR/baggage/.
 *
 *   baggage-string = list-member *( OWS "," OWS list-member )
 *   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
 *   property       = key OWS "=" OWS value / key OWS
 *   key            = token (RFC 9110 tchar)
 *   value          = *baggage-octet, anything else percent-encoded as UTF-8
 *
 * One malformed list-member is skipped; the rest of the header still counts. Keys are tokens and
 * are neither decoded nor encoded; a key that is not a token cannot be sent and is skipped.
 * Properties are kept verbatim as the entry's metadata, as the OTel API represents them.
 */
import {
  baggageEntryMetadataFromString,
  propagation,
  type BaggageEntry,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '../suppress-tracing';
import { isOws } from './tracecontext';

const BAGGAGE = 'baggage';
/**
 * The current W3C text requires propagating at least 64 members and at most 8192 bytes; 180
 * members and 4096 bytes per member are the ceilings of the earlier draft, which
 * @opentelemetry/core also applies. Both directions use them so hostile input is bounded too.
 */
export const MAX_BAGGAGE_MEMBERS = 180;
export const MAX_BAGGAGE_MEMBER_BYTES = 4096;
export const MAX_BAGGAGE_BYTES = 8192;

/** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
for (let c = 97; c <= 122; c++) TCHAR[c] = 1;

function isToken(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (no SP, DQUOTE, ",", ";", "\") */
function isBaggageOctets(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c) return false;
  }
  return true;
}

/** Validates one `key[=value]` pair inside s[start, end); OWS around the key, "=" and value allowed. */
function isValidPair(s: string, start: number, end: number, valueRequired: boolean): boolean {
  while (start < end && isOws(s.charCodeAt(start))) start++;
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  // An empty property (`k=v;` or `;;`) is tolerated and carries nothing.
  if (start === end) return !valueRequired;
  const eq = s.indexOf('=', start);
  if (eq === -1 || eq >= end) return !valueRequired && isToken(s, start, end);
  let keyEnd = eq;
  while (keyEnd > start && isOws(s.charCodeAt(keyEnd - 1))) keyEnd--;
  let valueStart = eq + 1;
  while (valueStart < end && isOws(s.charCodeAt(valueStart))) valueStart++;
  return isToken(s, start, keyEnd) && isBaggageOctets(s, valueStart, end);
}

/** True when every `;`-separated property in s[start, end) is well formed. */
function arePropertiesValid(s: string, start: number, end: number): boolean {
  while (start <= end) {
    const semi = s.indexOf(';', start);
    const propEnd = semi === -1 || semi > end ? end : semi;
    if (!isValidPair(s, start, propEnd, false)) return false;
    start = propEnd + 1;
  }
  return true;
}

/**
 * Percent-decodes a value. Byte sequences that are not UTF-8 become U+FFFD, as the spec requires
 * (decodeURIComponent would throw instead); a "%" not followed by two hex digits stays as it is.
 */
export function decodeBaggageValue(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 37 && isHexPair(value, i + 1)) {
        bytes.push(parseInt(value.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(c); // baggage-octets are ASCII: one byte each
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

function isHexPair(s: string, at: number): boolean {
  return at + 1 < s.length && isHex(s.charCodeAt(at)) && isHex(s.charCodeAt(at + 1));
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

interface ParseState {
  entries: Record<string, BaggageEntry>;
  count: number;
  bytes: number;
}

/** Adds the valid members of one header value to state; stops at the limits. */
function parseBaggageHeader(raw: string, state: ParseState): void {
  let pos = 0;
  while (pos <= raw.length && state.count < MAX_BAGGAGE_MEMBERS) {
    const comma = raw.indexOf(',', pos);
    let end = comma === -1 ? raw.length : comma;
    let start = pos;
    pos = end + 1;
    while (start < end && isOws(raw.charCodeAt(start))) start++;
    while (end > start && isOws(raw.charCodeAt(end - 1))) end--;
    if (start === end || end - start > MAX_BAGGAGE_MEMBER_BYTES) continue;

    const semi = raw.indexOf(';', start);
    const pairEnd = semi === -1 || semi > end ? end : semi;
    if (!isValidPair(raw, start, pairEnd, true)) continue;
    if (pairEnd < end && !arePropertiesValid(raw, pairEnd + 1, end)) continue;

    const memberBytes = (state.count === 0 ? 0 : 1) + end - start;
    if (state.bytes + memberBytes > MAX_BAGGAGE_BYTES) return;

    const eq = raw.indexOf('=', start);
    let keyEnd = eq;
    while (isOws(raw.charCodeAt(keyEnd - 1))) keyEnd--;
    let valueStart = eq + 1;
    while (valueStart < pairEnd && isOws(raw.charCodeAt(valueStart))) valueStart++;
    let valueEnd = pairEnd;
    while (valueEnd > valueStart && isOws(raw.charCodeAt(valueEnd - 1))) valueEnd--;

    const entry: BaggageEntry = { value: decodeBaggageValue(raw.substring(valueStart, valueEnd)) };
    if (pairEnd < end) {
      const properties = raw.substring(pairEnd + 1, end).trim();
      if (properties !== '') entry.metadata = baggageEntryMetadataFromString(properties);
    }
    // A repeated key: the last one wins, as it would in a record built by @opentelemetry/core.
    state.entries[raw.substring(start, keyEnd)] = entry;
    state.count++;
    state.bytes += memberBytes;
  }
}

/** Serializes one entry, or undefined when it cannot be sent as valid W3C baggage. */
function serializeMember(key: string, entry: BaggageEntry): string | undefined {
  if (!isToken(key, 0, key.length) || typeof entry.value !== 'string') return undefined;
  let value: string;
  try {
    // encodeURIComponent leaves only baggage-octets unescaped, "%" included, so its output is
    // always a valid value. It throws on lone surrogates: such an entry is skipped.
    value = encodeURIComponent(entry.value);
  } catch {
    return undefined;
  }
  let member = key + '=' + value;
  const metadata = entry.metadata?.toString();
  if (metadata) {
    // The API lets callers put anything in metadata; a "," in it would corrupt the header.
    if (!arePropertiesValid(metadata, 0, metadata.length)) return undefined;
    member += ';' + metadata;
  }
  return member;
}

export class W3CBaggagePropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const baggage = propagation.getBaggage(context);
    if (!baggage || isTracingSuppressed(context)) return;
    let header = '';
    let count = 0;
    for (const [key, entry] of baggage.getAllEntries()) {
      if (count === MAX_BAGGAGE_MEMBERS) break;
      const member = serializeMember(key, entry);
      if (member === undefined || member.length > MAX_BAGGAGE_MEMBER_BYTES) continue;
      // Members are dropped whole, never cut: the spec forbids sending a partial list-member.
      if (header.length + (count === 0 ? 0 : 1) + member.length > MAX_BAGGAGE_BYTES) continue;
      header = count === 0 ? member : header + ',' + member;
      count++;
    }
    if (count > 0) setter.set(carrier, BAGGAGE, header);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, BAGGAGE);
    if (raw === undefined) return context;
    // No prototype: a member named `__proto__` must stay an ordinary key.
    const state: ParseState = { entries: Object.create(null), count: 0, bytes: 0 };
    // Several baggage headers form one list (RFC 9110 list semantics), limits counted across all.
    if (typeof raw === 'string') {
      parseBaggageHeader(raw, state);
    } else if (Array.isArray(raw)) {
      for (const part of raw) if (typeof part === 'string') parseBaggageHeader(part, state);
    }
    if (state.count === 0) return context;
    return propagation.setBaggage(context, propagation.createBaggage(state.entries));
  }

  fields(): string[] {
    return [BAGGAGE];
  }
}
