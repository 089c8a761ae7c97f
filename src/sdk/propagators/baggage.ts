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
 * Properties are kept as the entry's metadata, as the OTel API represents them, each trimmed of
 * OWS and without the empty ones we tolerate on the way in (the grammar has none to send).
 *
 * Every scan is bounded by the member it reads, so a header of a million one-char members costs
 * one pass, not one pass per member (indexOf from a member's start would run to the header's end).
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
 * The W3C limits: every member MUST be propagated while the resulting baggage-string has at most
 * 64 members and 8192 bytes; past either, whole members MAY be dropped, never part of one. We
 * keep up to 180 members (the earlier draft's ceiling, which @opentelemetry/core also applies)
 * and 8192 bytes, counted on the header as we would send it, in both directions, so hostile
 * input is bounded too. There is no limit per member (the earlier draft's 4096 bytes): one member
 * of 5000 bytes within 8192 must still go on.
 */
export const MAX_BAGGAGE_MEMBERS = 180;
export const MAX_BAGGAGE_BYTES = 8192;

const SEMICOLON = 59;
const EQUALS = 61;
const PERCENT = 37;

/** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
for (let c = 97; c <= 122; c++) TCHAR[c] = 1;

/** What encodeURIComponent leaves as it is: ALPHA / DIGIT / "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
const URI_UNRESERVED = new Uint8Array(128);
for (const c of "-_.!~*'()") URI_UNRESERVED[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) URI_UNRESERVED[c] = 1;
for (let c = 65; c <= 90; c++) URI_UNRESERVED[c] = 1;
for (let c = 97; c <= 122; c++) URI_UNRESERVED[c] = 1;

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

/** The first `code` in s[start, end), or end. */
function indexIn(s: string, code: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === code) return i;
  return end;
}

/** One property, s[start, end) already trimmed and not empty: `key OWS "=" OWS value` or `key`. */
function isValidProperty(s: string, start: number, end: number): boolean {
  const eq = indexIn(s, EQUALS, start, end);
  if (eq === end) return isToken(s, start, end);
  let keyEnd = eq;
  while (keyEnd > start && isOws(s.charCodeAt(keyEnd - 1))) keyEnd--;
  let valueStart = eq + 1;
  while (valueStart < end && isOws(s.charCodeAt(valueStart))) valueStart++;
  return isToken(s, start, keyEnd) && isBaggageOctets(s, valueStart, end);
}

/**
 * The properties in s[start, end) as we keep and send them: each trimmed of OWS, the empty ones
 * (`k=v;`, `;;`) dropped, joined by ";". '' when none remain; undefined when one is malformed or
 * the result would be longer than maxLength (then the member cannot fit anyway).
 */
function normalizeProperties(s: string, start: number, end: number, maxLength: number): string | undefined {
  let out = '';
  while (start <= end) {
    const semi = indexIn(s, SEMICOLON, start, end);
    let propStart = start;
    let propEnd = semi;
    start = semi + 1;
    while (propStart < propEnd && isOws(s.charCodeAt(propStart))) propStart++;
    while (propEnd > propStart && isOws(s.charCodeAt(propEnd - 1))) propEnd--;
    if (propStart === propEnd) continue;
    if (!isValidProperty(s, propStart, propEnd)) return undefined;
    const property = s.substring(propStart, propEnd);
    out = out === '' ? property : out + ';' + property;
    if (out.length > maxLength) return undefined;
  }
  return out;
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
      if (c === PERCENT && isHexPair(value, i + 1)) {
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

/**
 * encodeURIComponent(value).length without building the string (a member's size as inject will
 * write it), or something above max once it is past max. A decoded value holds no lone
 * surrogate: decoding gives U+FFFD instead.
 */
function encodedLength(value: string, max: number): number {
  let length = 0;
  for (let i = 0; i < value.length && length <= max; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) length += URI_UNRESERVED[c] === 1 ? 1 : 3;
    else if (c < 0x800) length += 6;
    else if (c >= 0xd800 && c <= 0xdbff) {
      length += 12; // a surrogate pair: 4 UTF-8 bytes
      i++;
    } else length += 9;
  }
  return length;
}

interface ParseState {
  entries: Record<string, BaggageEntry>;
  count: number;
  bytes: number;
}

/** The smallest member, `k=`, and the comma before it. */
const MIN_MEMBER_BYTES = 3;

/**
 * Adds the members of one header value to state, in order, skipping those that are malformed or
 * would not fit in the bytes left. False once nothing more can be added: the headers are one
 * list, so the limits hold across all of them and parsing stops for good.
 */
function parseBaggageHeader(raw: string, state: ParseState): boolean {
  let pos = 0;
  while (pos <= raw.length) {
    if (state.count === MAX_BAGGAGE_MEMBERS || state.bytes + MIN_MEMBER_BYTES > MAX_BAGGAGE_BYTES) return false;
    const comma = raw.indexOf(',', pos);
    let end = comma === -1 ? raw.length : comma;
    let start = pos;
    pos = end + 1;
    while (start < end && isOws(raw.charCodeAt(start))) start++;
    while (end > start && isOws(raw.charCodeAt(end - 1))) end--;
    if (start === end) continue;

    const semi = indexIn(raw, SEMICOLON, start, end);
    const eq = indexIn(raw, EQUALS, start, semi);
    if (eq === semi) continue;
    let keyEnd = eq;
    while (keyEnd > start && isOws(raw.charCodeAt(keyEnd - 1))) keyEnd--;
    let valueStart = eq + 1;
    while (valueStart < semi && isOws(raw.charCodeAt(valueStart))) valueStart++;
    let valueEnd = semi;
    while (valueEnd > valueStart && isOws(raw.charCodeAt(valueEnd - 1))) valueEnd--;
    if (!isToken(raw, start, keyEnd) || !isBaggageOctets(raw, valueStart, valueEnd)) continue;

    // Sized as inject will write it: [","] key "=" value-re-encoded [";" properties].
    const head = (state.count === 0 ? 0 : 1) + (keyEnd - start) + 1;
    const room = MAX_BAGGAGE_BYTES - state.bytes - head;
    const value = decodeBaggageValue(raw.substring(valueStart, valueEnd));
    const valueBytes = encodedLength(value, room);
    if (valueBytes > room) continue;
    const properties = semi < end ? normalizeProperties(raw, semi + 1, end, room - valueBytes - 1) : '';
    if (properties === undefined) continue;
    const memberBytes = head + valueBytes + (properties === '' ? 0 : 1 + properties.length);

    const entry: BaggageEntry = { value };
    if (properties !== '') entry.metadata = baggageEntryMetadataFromString(properties);
    // A repeated key: the last one wins, as it would in a record built by @opentelemetry/core.
    state.entries[raw.substring(start, keyEnd)] = entry;
    state.count++;
    state.bytes += memberBytes;
  }
  return true;
}

/** Serializes one entry, or undefined when it cannot be sent as valid W3C baggage. */
function serializeMember(key: string, entry: BaggageEntry): string | undefined {
  if (!isToken(key, 0, key.length) || typeof entry.value !== 'string') return undefined;
  let member: string;
  try {
    // encodeURIComponent leaves only baggage-octets unescaped, "%" included, so its output is
    // always a valid value. It throws on lone surrogates: such an entry is skipped.
    member = key + '=' + encodeURIComponent(entry.value);
  } catch {
    return undefined;
  }
  const metadata = entry.metadata?.toString();
  if (metadata) {
    // The API lets callers put anything in metadata; a "," in it would corrupt the header.
    const properties =
      typeof metadata === 'string' ? normalizeProperties(metadata, 0, metadata.length, MAX_BAGGAGE_BYTES) : undefined;
    if (properties === undefined) return undefined;
    if (properties !== '') member += ';' + properties;
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
      if (member === undefined) continue;
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
      for (const part of raw) if (typeof part === 'string' && !parseBaggageHeader(part, state)) break;
    }
    if (state.count === 0) return context;
    return propagation.setBaggage(context, propagation.createBaggage(state.entries));
  }

  fields(): string[] {
    return [BAGGAGE];
  }
}
