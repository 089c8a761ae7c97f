/**
 * Typed parsers for environment values, following the OTel SDK environment-variable spec:
 * empty means unset, enums are case-insensitive, and a bad value warns once and falls back.
 *
 * Every parser takes (name, raw) where raw is already trimmed and undefined when unset or empty
 * (see readEnv), and returns either the parsed value or the fallback. A warning is ONE line that
 * names the variable, the bad value (JSON-quoted, so a stray newline cannot split the line) and
 * the fallback used.
 */
import { log } from '../log';
import { redactUrlText } from '../redact';

export const INVALID_ENV = 'OTELI_W_INVALID_ENV';

/** The spec's integer range: implementations SHOULD support 0 .. 2^31-1. */
const MAX_INT = 2 ** 31 - 1;

export function warnInvalid(name: string, raw: string, problem: string, fallback: string): void {
  log.warnOnce(INVALID_ENV, `${name}=${JSON.stringify(raw)} ${problem}; using ${fallback}`);
}

/** Trimmed value, or undefined when unset or blank (the spec treats empty as unset). */
export function readEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Case-insensitive "true" or "false"; unset gives `fallback`, anything else warns and gives it. */
export function parseBoolean(name: string, raw: string | undefined, fallback = false): boolean {
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  warnInvalid(name, raw, 'is not true or false', String(fallback));
  return fallback;
}

export interface IntegerOptions {
  /** Smallest accepted value; 0 unless the setting makes no sense at 0 (sizes, timeouts). */
  readonly min?: number;
  /** Largest accepted value (a port: 65535); unbounded (up to MAX_INT) unless given. */
  readonly max?: number;
}

export function parseInteger(
  name: string,
  raw: string | undefined,
  fallback: number,
  options: IntegerOptions = {},
): number {
  if (raw === undefined) return fallback;
  const min = options.min ?? 0;
  const max = options.max ?? MAX_INT;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    const what = options.max !== undefined ? `an integer from ${min} to ${max}` : min > 0 ? `an integer >= ${min}` : 'a non-negative integer';
    warnInvalid(name, raw, `is not ${what}`, fallback === Infinity ? 'unlimited' : String(fallback));
    return fallback;
  }
  return value;
}

/** A number in [0, 1], e.g. a sampling ratio. */
export function parseRatio(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  // Number() alone accepts '', '0x10' and 'Infinity'; require a plain decimal.
  const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 1)) {
    warnInvalid(name, raw, 'is not a number in [0, 1]', String(fallback));
    return fallback;
  }
  return value;
}

/** One of `allowed`, matched case-insensitively. */
export function parseEnum<T extends string>(
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  const found = allowed.find((a) => a === lower);
  if (found === undefined) {
    warnInvalid(name, raw, `is not one of ${allowed.join(', ')}`, fallback);
    return fallback;
  }
  return found;
}

/** Comma-separated, members trimmed, empty members dropped. No validation, no warning. */
export function parseList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
}

/**
 * A comma-separated list of enum members (case-insensitive, duplicates dropped). `none` alone
 * means an empty list; combined with others it still wins, with a warning. Unknown members are
 * ignored with one warning; if nothing valid is left, the fallback is used.
 */
export function parseEnumList<T extends string>(
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: readonly T[],
): T[] {
  if (raw === undefined) return [...fallback];
  const members = parseList(raw.toLowerCase());
  if (members.includes('none')) {
    if (members.length > 1) warnInvalid(name, raw, 'combines "none" with other values', 'none');
    return [];
  }
  const valid: T[] = [];
  const unknown: string[] = [];
  for (const member of members) {
    const found = allowed.find((a) => a === member);
    if (found === undefined) unknown.push(member);
    else if (!valid.includes(found)) valid.push(found);
  }
  const result = valid.length > 0 ? valid : [...fallback];
  if (unknown.length > 0) {
    const describeResult = result.length > 0 ? result.join(',') : 'none';
    warnInvalid(name, raw, `has unknown value(s) ${unknown.join(',')} (known: ${allowed.join(', ')}, none)`, describeResult);
  }
  return result;
}

export interface KeyValueOptions {
  /** Extra check on a decoded member; returns the problem, or undefined when fine. */
  readonly check?: (key: string, value: string) => string | undefined;
  readonly lowerCaseKeys?: boolean;
  /**
   * One bad member discards the whole value. The resource SDK spec says so for
   * OTEL_RESOURCE_ATTRIBUTES ("the entire environment variable value SHOULD be discarded").
   */
  readonly allOrNothing?: boolean;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `#2 ("x-tenant")`, or `#2` alone when the key is no token and may be part of a value. */
function named(where: string, key: string): string {
  return TOKEN.test(key) ? `${where} (${JSON.stringify(key)})` : where;
}

/**
 * `key1=value1,key2=value2` in the W3C-baggage-like form the spec uses for
 * OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS: keys and values trimmed, values
 * percent-decoded. A bad member is skipped (one warning for the variable); the others are kept.
 * The warning names members by position and key only: header values are secrets (API keys).
 * A key is named only when it is a token (RFC 9110), as every header name and resource key is:
 * `authorization: Bearer abc=` (a colon for the `=`, a base64 token's padding taken for it) has
 * the token in its "key".
 */
export function parseKeyValueList(
  name: string,
  raw: string | undefined,
  options: KeyValueOptions = {},
): Record<string, string> {
  const result: Record<string, string> = {};
  if (raw === undefined) return result;
  const problems: string[] = [];
  raw.split(',').forEach((member, index) => {
    if (member.trim() === '') return;
    const where = `#${index + 1}`;
    const eq = member.indexOf('=');
    let key = eq >= 0 ? member.slice(0, eq).trim() : '';
    if (eq < 0 || key === '') {
      problems.push(`${where} ${eq < 0 ? "has no '='" : 'has an empty key'}`);
      return;
    }
    let value: string;
    try {
      value = decodeURIComponent(member.slice(eq + 1).trim());
    } catch {
      // A malformed escape such as `%zz`: decodeURIComponent throws URIError.
      problems.push(`${named(where, key)} has a bad percent-escape`);
      return;
    }
    if (options.lowerCaseKeys) key = key.toLowerCase();
    const problem = options.check?.(key, value);
    if (problem !== undefined) {
      problems.push(`${named(where, key)} ${problem}`);
      return;
    }
    result[key] = value;
  });
  if (problems.length > 0) {
    if (options.allOrNothing) {
      log.warnOnce(INVALID_ENV, `${name}: invalid member ${problems.join(', ')} (want key=value,...); the whole value is discarded, as the spec says`);
      return {};
    }
    const kept = Object.keys(result);
    const fallback = kept.length > 0 ? `only ${kept.join(',')}` : 'none';
    log.warnOnce(INVALID_ENV, `${name}: skipped invalid member ${problems.join(', ')} (want key=value,...); using ${fallback}`);
  }
  return result;
}

/** An absolute http: or https: URL, returned as given (not normalised). */
export function parseHttpUrl(name: string, raw: string | undefined, fallback: string): string {
  if (raw === undefined) return fallback;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    // Quoted redacted: `user:token@host:4318`, scheme forgotten, is no URL a log line would spot.
    warnInvalid(name, redactUrlText(raw), 'is not an http(s) URL', fallback);
    return fallback;
  }
  return raw;
}
