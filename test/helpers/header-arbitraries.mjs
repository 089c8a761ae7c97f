// Shared by the propagator property tests (#22): one seed and run count, and generators for the
// pieces of trace headers, valid and broken in the ways real traffic and sloppy parsers are.
import fc from 'fast-check';

/**
 * A fixed seed keeps the suite repeatable; FC_SEED / FC_RUNS explore further. On a failure
 * fast-check prints the seed and the shrunk counterexample's path, which replay it exactly.
 */
export const FC = {
  seed: Number(process.env.FC_SEED ?? 22),
  numRuns: Number(process.env.FC_RUNS ?? 2000),
};

const LOWER_HEX = '0123456789abcdef';

export const lowerHex = (length) =>
  fc.string({ unit: fc.constantFrom(...LOWER_HEX), minLength: length, maxLength: length });

export const nonZeroHex = (length) => lowerHex(length).filter((s) => /[1-9a-f]/.test(s));

/**
 * Characters a careless parser lets through: upper-case hex, look-alike digits (fullwidth,
 * Arabic-Indic, which /\d/u or parseInt-style code may take), separators, CTLs, non-ASCII
 * bytes as Node hands them over (latin1), NBSP and BOM (String#trim removes them), a lone
 * surrogate and an astral character (two UTF-16 units).
 */
export const oddChar = fc.constantFrom(
  'A', 'F', 'G', 'g', 'x', '-', ',', ';', '=', ' ', '\t', '\0', '\x01', '\n', '\r', '\x7f',
  '\u00e9', '\u00a0', '\u00ff', '\ufeff', '\uff10', '\u0663', '\u2028', '\ud800', '\u{1f600}', '%',
);

/** What may surround a header value: HTTP's OWS (SP / HTAB), and whitespace that is not OWS. */
export const padding = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\t', ' \t  ') },
  { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', '\v', '\f', '\u00a0', '\ufeff', '\u3000') },
);

/** An id field: mostly valid, else all-zero, upper-case, one char short or long, or one odd char. */
export function idField(length) {
  return fc.oneof(
    { weight: 8, arbitrary: nonZeroHex(length) },
    { weight: 1, arbitrary: fc.constant('0'.repeat(length)) },
    { weight: 1, arbitrary: fc.mixedCase(nonZeroHex(length)) },
    { weight: 1, arbitrary: fc.oneof(lowerHex(length - 1), lowerHex(length + 1), lowerHex(length / 2)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(nonZeroHex(length), fc.nat({ max: length - 1 }), oddChar)
        .map(([id, at, c]) => id.slice(0, at) + c + id.slice(at + 1)),
    },
  );
}

/** A field separator: nearly always a dash. */
export const dash = fc.oneof(
  { weight: 30, arbitrary: fc.constant('-') },
  { weight: 1, arbitrary: fc.constantFrom('', '_', '--', ' -', '- ', '\u2010', '\u2212') },
);

/** Any string, short: every UTF-16 unit (lone surrogates too). */
export const anyText = (maxLength = 60) => fc.string({ unit: 'binary', maxLength });

/** `base` cut at a random position, or with one character replaced by an odd one. */
export function damaged(base) {
  return fc.oneof(
    base.chain((s) => fc.nat({ max: s.length }).map((n) => s.slice(0, n))),
    fc.tuple(base, fc.nat(), oddChar).map(([s, at, c]) => {
      const i = s.length === 0 ? 0 : at % s.length;
      return s.slice(0, i) + c + s.slice(i + 1);
    }),
  );
}

/** Trims HTTP OWS only, as RFC 9110 defines it (String#trim would also remove NBSP, BOM, LF …). */
export function trimOws(s) {
  let start = 0;
  let end = s.length;
  while (start < end && (s[start] === ' ' || s[start] === '\t')) start++;
  while (end > start && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  return s.slice(start, end);
}

/** Runs fn and returns its wall-clock time in ms. */
export function timeMs(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
