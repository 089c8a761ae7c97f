// Property tests (#22) for the W3C `baggage` header: random and adversarial headers and records
// against an oracle written from https://www.w3.org/TR/baggage/ (grammar, percent-decoding to
// UTF-8 with U+FFFD, limits), and the limits on both sides. Where the spec leaves a choice, the
// oracle makes ours: members are taken in order, up to 180; one that is malformed, or would take
// the header (as we would send it) past 8192 bytes, is skipped and the rest still count; a
// repeated key keeps the last value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { FC, anyText, oddChar, timeMs, trimOws } from '../helpers/header-arbitraries.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { W3CBaggagePropagator } = require('../../dist/sdk/propagators/baggage.js');

const propagator = new W3CBaggagePropagator();
const MAX_MEMBERS = 180;
const MAX_BYTES = 8192;

function extract(header) {
  const carrier = header === undefined ? {} : { baggage: header };
  return api.propagation.getBaggage(propagator.extract(api.ROOT_CONTEXT, carrier, api.defaultTextMapGetter));
}
function inject(baggage) {
  const carrier = {};
  propagator.inject(api.propagation.setBaggage(api.ROOT_CONTEXT, baggage), carrier, api.defaultTextMapSetter);
  return carrier.baggage;
}
/** key → [value, metadata or undefined], sorted by key: the baggage's content, order aside. */
function content(baggage) {
  if (!baggage) return undefined;
  return baggage.getAllEntries()
    .map(([k, e]) => [k, e.value, e.metadata?.toString()])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/* ------------------------------- the oracle (the spec's grammar) ------------------------------- */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/** key OWS "=" OWS value, or (a property only) a lone key. */
function isPair(text, valueRequired) {
  const eq = text.indexOf('=');
  if (eq === -1) return !valueRequired && TOKEN.test(trimOws(text));
  return TOKEN.test(trimOws(text.slice(0, eq))) && OCTETS.test(trimOws(text.slice(eq + 1)));
}

/**
 * A `;`-separated property list as kept and sent: each property trimmed, the empty ones (`k=v;`,
 * tolerated on the way in) gone. '' for none, undefined when one is malformed.
 */
function properties(text) {
  const kept = text.split(';').map(trimOws).filter((p) => p !== '');
  return kept.every((p) => isPair(p, false)) ? kept.join(';') : undefined;
}

/** Percent-decoding to UTF-8; what is not UTF-8 becomes U+FFFD (the spec's rule). */
function decode(value) {
  if (!value.includes('%')) return value;
  const bytes = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i));
    }
  }
  // ignoreBOM: a decoded U+FEFF at the start is part of the value, not a byte-order mark.
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(bytes));
}

/** How a member goes out: the value percent-encoded (encodeURIComponent), metadata verbatim. */
const serialized = (key, value, metadata) => `${key}=${encodeURIComponent(value)}${metadata ? ';' + metadata : ''}`;

/** The content extract must give for a header (one string or several), in our policy. */
function expectedExtract(header) {
  if (header === undefined || (typeof header !== 'string' && !Array.isArray(header))) return undefined;
  const list = Array.isArray(header) ? header.filter((h) => typeof h === 'string').join(',') : header;
  const entries = new Map();
  let count = 0;
  let bytes = 0;
  for (const raw of list.split(',')) {
    if (count === MAX_MEMBERS) break;
    const member = trimOws(raw);
    if (member === '') continue;
    const semi = member.indexOf(';');
    const pair = semi === -1 ? member : member.slice(0, semi);
    const metadata = semi === -1 ? '' : properties(member.slice(semi + 1));
    if (!isPair(pair, true) || metadata === undefined) continue;
    const eq = pair.indexOf('=');
    const key = trimOws(pair.slice(0, eq));
    const value = decode(trimOws(pair.slice(eq + 1)));
    const size = (count === 0 ? 0 : 1) + serialized(key, value, metadata).length;
    if (bytes + size > MAX_BYTES) continue;
    entries.set(key, [key, value, metadata || undefined]);
    count++;
    bytes += size;
  }
  if (count === 0) return undefined;
  return [...entries.values()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The header inject must write for a baggage (in its own entry order), or undefined. */
function expectedInject(baggage) {
  const members = [];
  let bytes = 0;
  for (const [key, entry] of baggage.getAllEntries()) {
    if (members.length === MAX_MEMBERS) break;
    if (!TOKEN.test(key) || typeof entry.value !== 'string' || !entry.value.isWellFormed()) continue;
    const metadata = entry.metadata?.toString() ? properties(entry.metadata.toString()) : '';
    if (metadata === undefined) continue;
    const member = serialized(key, entry.value, metadata);
    const size = (members.length === 0 ? 0 : 1) + member.length;
    if (bytes + size > MAX_BYTES) continue;
    members.push(member);
    bytes += size;
  }
  return members.length === 0 ? undefined : members.join(',');
}

/* ------------------------------------------ generators ------------------------------------------ */

const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const OCTET_CHARS = [];
for (let c = 0x21; c <= 0x7e; c++) if (![0x22, 0x2c, 0x3b, 0x5c].includes(c)) OCTET_CHARS.push(String.fromCharCode(c));

const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 10 });
const key = fc.oneof(
  { weight: 6, arbitrary: token },
  // A small pool: duplicated keys, and names an object literal would get wrong.
  { weight: 3, arbitrary: fc.constantFrom('k', 'userId', '__proto__', 'constructor', 'toString', '0', '1') },
  { weight: 1, arbitrary: fc.constantFrom('', 'bad key', 'k\u00e9', 'k"', 'k\\', 'k/', '(k)', 'k@x', '{k}') },
  { weight: 1, arbitrary: fc.tuple(token, oddChar).map(([t, c]) => t + c) },
);
/** Encodings a decoder gets wrong: bad hex, cut or overlong sequences, surrogates, a BOM. */
const percentOddity = fc.constantFrom(
  '%', '%4', '%zz', '%%', '%FF', '%C3', '%C3%28', '%c3%a9', '%E2%82', '%ED%A0%80', '%F4%90%80%80',
  '%C0%80', '%25', '%2525', '%EF%BB%BF', '%00', '%0A', '%2C%3B', '=', '==', '%3D',
);
const value = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: fc.constantFrom(...OCTET_CHARS), maxLength: 12 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).map(encodeURIComponent) },
  { weight: 3, arbitrary: fc.array(fc.oneof(percentOddity, fc.constantFrom('a', 'Z', '9')), { maxLength: 5 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('a b', '"q"', 'back\\slash', 'caf\u00e9', 'tab\there', 'nul\0', 'x\x7f') },
  // Large members: the 8192-byte budget, and no limit of 4096 per member.
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 8300 }).map((n) => 'x'.repeat(n)) },
);
const property = fc.oneof(
  token,
  fc.tuple(token, fc.string({ unit: fc.constantFrom(...OCTET_CHARS), maxLength: 6 })).map(([k, v]) => `${k}=${v}`),
  fc.constantFrom('', ' ', 'p = 1', 'bad prop', 'p=a b', 'p=\u00e9', '=v'),
);
const ows = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '\t', ' \t ') });
const member = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(ows, key, ows, ows, value, fc.array(fc.tuple(ows, property), { maxLength: 3 }), ows)
      .map(([a, k, b, c, v, props, d]) => `${a}${k}${b}=${c}${v}${props.map(([o, p]) => `${o};${o}${p}`).join('')}${d}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'novalue', '=v', 'k', ';', 'k=v;;', '\u00e9=1') },
  { weight: 1, arbitrary: anyText(20) },
);
const smallValid = fc.tuple(token, fc.string({ unit: fc.constantFrom(...OCTET_CHARS), maxLength: 4 })).map(([k, v]) => `${k}=${v}`);
/** A baggage header as one string or several fields; sometimes past 180 members. */
const baggageHeader = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.array(member, { maxLength: 30 }) },
      { weight: 1, arbitrary: fc.array(smallValid, { minLength: 150, maxLength: 260 }) },
    ),
    fc.nat({ max: 3 }),
  )
  .map(([members, splits]) => {
    if (splits === 0 || members.length < 2) return members.join(',');
    const step = Math.ceil(members.length / (splits + 1));
    const fields = [];
    for (let i = 0; i < members.length; i += step) fields.push(members.slice(i, i + step).join(','));
    return fields;
  });

/** Entries an app may put in its baggage through the API: any key, any string, any metadata. */
const appEntries = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.array(
      fc.tuple(
        fc.oneof(token, key, anyText(6)),
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 10 }), anyText(10), value),
        fc.option(fc.oneof(property, anyText(8)), { nil: undefined }),
      ),
      { maxLength: 40 },
    ),
  },
  // Hundreds of entries: the member limit.
  { weight: 1, arbitrary: fc.array(fc.tuple(token, fc.constant('v'), fc.constant(undefined)), { minLength: 170, maxLength: 300 }) },
);
function appBaggage(entries) {
  const record = Object.create(null);
  for (const [k, v, metadata] of entries) {
    record[k] = metadata === undefined ? { value: v } : { value: v, metadata: api.baggageEntryMetadataFromString(metadata) };
  }
  return api.propagation.createBaggage(record);
}

/* ------------------------------------------- properties ------------------------------------------- */

test('extract: any header gives exactly the well-formed members, decoded, within 180 members and 8192 bytes', () => {
  fc.assert(
    fc.property(baggageHeader, (header) => {
      const baggage = extract(header);
      assert.deepEqual(content(baggage), expectedExtract(header));
      if (baggage) assert.ok(baggage.getAllEntries().length <= MAX_MEMBERS);
    }),
    FC,
  );
});

test('inject: any baggage goes out as whole, valid members, ≤ 180 and ≤ 8192 bytes, and reads back the same', () => {
  fc.assert(
    fc.property(appEntries, (entries) => {
      const baggage = appBaggage(entries);
      const header = inject(baggage);
      assert.equal(header, expectedInject(baggage));
      if (header === undefined) return;
      assert.ok(Buffer.byteLength(header) <= MAX_BYTES, `${Buffer.byteLength(header)} bytes`);
      const members = header.split(',');
      assert.ok(members.length <= MAX_MEMBERS, `${members.length} members`);
      // Every member sent is one of the entries, whole: the header reads back to exactly them.
      const back = extract(header);
      assert.equal(back.getAllEntries().length, members.length);
      for (const [k, e] of back.getAllEntries()) {
        const original = baggage.getEntry(k);
        assert.equal(e.value, original.value, k);
        assert.equal(e.metadata?.toString(), original.metadata ? properties(original.metadata.toString()) || undefined : undefined, k);
      }
    }),
    FC,
  );
});

test('a well-formed baggage-string within the W3C limits (≤ 64 members, ≤ 8192 bytes) is passed on whole', () => {
  // The spec's one MUST on limits: nothing may be dropped below them, however large one member is.
  const sizes = fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: 4000, max: 8180 }) }), {
    minLength: 1,
    maxLength: 64,
  });
  const withinLimits = fc
    .tuple(fc.uniqueArray(token, { minLength: 64, maxLength: 64 }), sizes, fc.string({ unit: 'grapheme', maxLength: 6 }))
    .map(([keys, lengths, text]) => {
      const members = [];
      let bytes = 0;
      for (let i = 0; i < lengths.length; i++) {
        const m = `${keys[i]}=${encodeURIComponent(text)}${'v'.repeat(lengths[i])}`;
        if (bytes + (i === 0 ? 0 : 1) + m.length > MAX_BYTES) break;
        bytes += (i === 0 ? 0 : 1) + m.length;
        members.push(m);
      }
      return members;
    })
    .filter((members) => members.length > 0);
  fc.assert(
    fc.property(withinLimits, (members) => {
      const header = members.join(',');
      const sent = inject(extract(header));
      assert.deepEqual(sent.split(',').sort(), [...members].sort());
    }),
    FC,
  );
});

test('round trip: what inject writes, extract reads back (values of any Unicode, metadata kept)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(token, fc.string({ unit: 'grapheme', maxLength: 12 })), { maxLength: 20, selector: ([k]) => k }), (pairs) => {
      const baggage = appBaggage(pairs.map(([k, v]) => [k, v, undefined]));
      const back = extract(inject(baggage));
      assert.deepEqual(content(back), pairs.length === 0 ? undefined : content(baggage));
    }),
    FC,
  );
});

test('thousands of members and megabyte headers: limits hold, in linear time, never thrown', () => {
  const KB = 1024;
  const manySmall = Array.from({ length: 5000 }, (_, i) => `k${i}=v${i}`).join(',');
  const hundredKb = Array.from({ length: 2500 }, (_, i) => `key${i}=${'v'.repeat(36)}`).join(',');
  const cases = {
    '5000 small members': manySmall,
    '100 KB, 2500 members': hundredKb,
    '1 MB of one-char members without "="': 'a,'.repeat(512 * KB),
    '1 MB of members with a bad value, no ";"': 'k=v v,'.repeat((1024 * KB) / 6),
    '1 MB of bad properties': 'k=v;a b,'.repeat((1024 * KB) / 8),
    '1 MB of commas': ','.repeat(1024 * KB),
    '1 MB of OWS': ' '.repeat(1024 * KB),
    '1 MB value': 'k=' + 'v'.repeat(1024 * KB),
    '1 MB of "%"': 'k=' + '%'.repeat(1024 * KB),
    '1 MB junk, then a valid member': 'a b,'.repeat(256 * KB) + 'last=1',
  };
  for (const [name, header] of Object.entries(cases)) {
    let baggage;
    const ms = timeMs(() => { baggage = extract(header); });
    assert.deepEqual(content(baggage), expectedExtract(header), name);
    // Linear work on 1 MB takes a few ms; a rescan per member takes seconds.
    assert.ok(ms < 500, `${name}: extract took ${ms.toFixed(0)} ms`);
    if (baggage) {
      const out = inject(baggage);
      assert.ok(out.length <= MAX_BYTES && out.split(',').length <= MAX_MEMBERS, name);
    }
  }
  assert.equal(extract(manySmall).getAllEntries().length, MAX_MEMBERS);
  // Members are dropped whole: what goes on is the longest run of leading members that fits.
  const fits = [];
  let bytes = -1;
  for (const m of hundredKb.split(',')) {
    if (fits.length === MAX_MEMBERS || bytes + 1 + m.length > MAX_BYTES) break;
    bytes += 1 + m.length;
    fits.push(m);
  }
  assert.equal(inject(extract(hundredKb)), fits.join(','));
});
