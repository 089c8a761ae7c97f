/**
 * A small semver range matcher: enough for the bounded ranges instrumentations declare
 * ('*', '>=4 <6', '^8.0.3', '~1.2', '4.x', '1.2 - 2.3', '>=8.0.3 <9 || 10'), without a dependency.
 *
 * Prereleases follow node-semver's `includePrerelease: true`, as the OpenTelemetry instrumentations
 * do: `8.1.0-rc.1` satisfies `>=8`, while a partial upper bound excludes the next major's
 * prereleases (`<9` means `<9.0.0-0`, so `9.0.0-beta.1` is out of `>=8 <9`).
 */

interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated identifiers; empty for a release. */
  readonly pre: readonly (string | number)[];
}

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  readonly op: Op;
  readonly v: Version;
}

const VERSION_RE = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;
// A partial version in a range: '1', '1.2', '1.x', '1.2.*', '1.2.3-rc.1'.
const PARTIAL_RE =
  /^v?(\d+|[xX*])(?:\.(\d+|[xX*])(?:\.(\d+|[xX*])(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?)?)?$/;
const LOWEST_PRE: readonly number[] = [0];

function parsePre(pre: string | undefined): (string | number)[] {
  if (!pre) return [];
  return pre.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id));
}

export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: parsePre(m[4]) };
}

function comparePre(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  // A release ranks above any of its prereleases.
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1; // numeric identifiers rank below alphanumeric ones
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || comparePre(a.pre, b.pre);
}

function v(major: number, minor: number, patch: number, pre: readonly (string | number)[] = []): Version {
  return { major, minor, patch, pre };
}

interface Partial {
  readonly major?: number;
  readonly minor?: number;
  readonly patch?: number;
  readonly pre: readonly (string | number)[];
}

function parsePartial(text: string): Partial | undefined {
  const m = PARTIAL_RE.exec(text);
  if (!m) return undefined;
  const num = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
  const major = num(m[1]);
  const minor = major === undefined ? undefined : num(m[2]);
  const patch = minor === undefined ? undefined : num(m[3]);
  return { major, minor, patch, pre: patch === undefined ? [] : parsePre(m[4]) };
}

/** The smallest version of the partial ('1.2' → 1.2.0-0). */
function lower(p: Partial): Version {
  if (p.major === undefined) return v(0, 0, 0, LOWEST_PRE);
  if (p.minor === undefined) return v(p.major, 0, 0, LOWEST_PRE);
  if (p.patch === undefined) return v(p.major, p.minor, 0, LOWEST_PRE);
  return v(p.major, p.minor, p.patch, p.pre);
}

/** The first version after every version the partial covers ('1.2' → 1.3.0-0); undefined for '*'. */
function after(p: Partial): Version | undefined {
  if (p.major === undefined) return undefined;
  if (p.minor === undefined) return v(p.major + 1, 0, 0, LOWEST_PRE);
  if (p.patch === undefined) return v(p.major, p.minor + 1, 0, LOWEST_PRE);
  return undefined;
}

function isFull(p: Partial): p is Required<Omit<Partial, 'pre'>> & Partial {
  return p.patch !== undefined;
}

/** One range token ('^8.0.3', '>=4', '4.x') as primitive comparators; undefined if unparsable. */
function desugar(token: string): Comparator[] | undefined {
  const m = /^(\^|~>?|>=|<=|>|<|=)?\s*(.*)$/.exec(token);
  if (!m) return undefined;
  const op = m[1] ?? '';
  const p = parsePartial(m[2]!);
  if (!p) return undefined;
  const lo = lower(p);
  const next = after(p);
  switch (op) {
    case '':
    case '=':
      if (isFull(p)) return [{ op: '=', v: lo }];
      return next ? [{ op: '>=', v: lo }, { op: '<', v: next }] : [];
    case '>=':
      return p.major === undefined ? [] : [{ op: '>=', v: lo }];
    case '>':
      if (p.major === undefined) return [{ op: '<', v: v(0, 0, 0, LOWEST_PRE) }]; // '>*' matches nothing
      return isFull(p) ? [{ op: '>', v: lo }] : [{ op: '>=', v: next! }];
    case '<':
      if (p.major === undefined) return [{ op: '<', v: v(0, 0, 0, LOWEST_PRE) }];
      return [{ op: '<', v: lo }]; // '<9' is '<9.0.0-0': no 9.x prerelease
    case '<=':
      if (p.major === undefined) return [];
      return isFull(p) ? [{ op: '<=', v: lo }] : [{ op: '<', v: next! }];
    case '~':
    case '~>': {
      if (p.major === undefined) return [];
      const upper = p.minor === undefined ? v(p.major + 1, 0, 0, LOWEST_PRE) : v(p.major, p.minor + 1, 0, LOWEST_PRE);
      return [{ op: '>=', v: lo }, { op: '<', v: upper }];
    }
    case '^': {
      if (p.major === undefined) return [];
      let upper: Version;
      if (p.major > 0 || p.minor === undefined) upper = v(p.major + 1, 0, 0, LOWEST_PRE);
      else if (p.minor > 0 || p.patch === undefined) upper = v(0, p.minor + 1, 0, LOWEST_PRE);
      else upper = v(0, 0, p.patch + 1, LOWEST_PRE);
      return [{ op: '>=', v: lo }, { op: '<', v: upper }];
    }
    default:
      return undefined;
  }
}

/** A ' '-separated comparator set, possibly a hyphen range ('1.2 - 2.3'). */
function parseSet(text: string): Comparator[] | undefined {
  const trimmed = text.trim();
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(trimmed);
  if (hyphen) {
    const from = parsePartial(hyphen[1]!);
    const to = parsePartial(hyphen[2]!);
    if (!from || !to) return undefined;
    const out: Comparator[] = [{ op: '>=', v: lower(from) }];
    if (to.major !== undefined) out.push(isFull(to) ? { op: '<=', v: lower(to) } : { op: '<', v: after(to)! });
    return out;
  }
  // Allow '>= 4' as well as '>=4'.
  const tokens = trimmed.replace(/(\^|~>?|>=|<=|>|<|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
  const out: Comparator[] = [];
  for (const token of tokens) {
    const cs = desugar(token);
    if (!cs) return undefined;
    out.push(...cs);
  }
  return out;
}

function test(c: Comparator, version: Version): boolean {
  const cmp = compareVersions(version, c.v);
  switch (c.op) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '=':
      return cmp === 0;
  }
}

const rangeCache = new Map<string, Comparator[][] | null>();

/** The range as alternatives of comparator sets; undefined when it cannot be parsed. */
export function parseRange(range: string): Comparator[][] | undefined {
  let parsed = rangeCache.get(range);
  if (parsed === undefined) {
    const sets = range.split('||').map(parseSet);
    parsed = sets.every((s): s is Comparator[] => s !== undefined) ? sets : null;
    rangeCache.set(range, parsed);
  }
  return parsed ?? undefined;
}

/** Whether `version` (a full semver) is within `range`. An unparsable version or range never matches. */
export function satisfies(version: string, range: string): boolean {
  const parsedVersion = parseVersion(version);
  const sets = parseRange(range);
  if (!parsedVersion || !sets) return false;
  return sets.some((set) => set.every((c) => test(c, parsedVersion)));
}

export function isValidRange(range: string): boolean {
  return parseRange(range) !== undefined;
}
