/**
 * Attribute validation and limits, shared by spans, events and links.
 *
 * Rules (OTel common spec, "Attribute" and "Attribute Limits"):
 * - a key is a non-empty string; a value is a string, boolean, number (any double, NaN and
 *   Infinity included), or a homogeneous array of one of those, where null/undefined entries are
 *   kept (as null) so positions survive;
 * - anything else is invalid and is dropped without counting as a limit drop (debug log);
 * - strings, also inside arrays, are truncated to the value length limit;
 * - a new key beyond the count limit is dropped and counted in droppedAttributesCount;
 *   re-setting a key that is already stored replaces the value and is never a drop.
 *
 * The common case (a short string or a number under a new key, far from any limit) is a typeof
 * switch, one comparison of the length against the limit, a lookup and a store.
 */
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { isLogLevelEnabled, log } from '../log';

/** Anything that stores limited attributes: a span, an event, a link. */
export interface AttributeHolder {
  attributes: Attributes;
  /** Number of keys stored in `attributes`, kept so no Object.keys() is needed to check limits. */
  attributeCount: number;
  droppedAttributesCount: number;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** What a holder starts with: shared, and replaced by an object of its own at the first store. */
export const EMPTY_ATTRIBUTES: Attributes = Object.freeze({});

/** The attributes object an instrumentation handed over for the span it starts next (handOver). */
let handedOver: Attributes | undefined;

/**
 * For instrumentations: `attributes` were built for the span about to start, and nothing writes
 * to them afterwards, so the span may keep the object itself instead of a copy. Checked by
 * identity, so an object that reaches another tracer (or none) changes nothing.
 */
export function handOver(attributes: Attributes): Attributes {
  handedOver = attributes;
  return attributes;
}
let countLimitWarned = false;

/**
 * Cuts a string to at most `limit` UTF-16 units without splitting a surrogate pair, as a new
 * string: a plain slice is a view that keeps the whole original alive in V8 (a SlicedString), so
 * 100 characters cut from a 10 MB value would hold 10 MB until the span is exported. The
 * concatenation makes slice() flatten into a copy of the kept characters only.
 */
function truncate(value: string, limit: number): string {
  let end = limit;
  // A high surrogate as the last kept unit would leave half a character (invalid UTF-8 later).
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return (' ' + value.slice(0, end)).slice(1);
}

function sanitizeArray(values: readonly unknown[], lengthLimit: number): AttributeValue | undefined {
  const length = values.length;
  // Always a copy: the app may mutate its array after handing it over.
  const copy: unknown[] = new Array(length);
  let elementType: string | undefined;
  for (let i = 0; i < length; i++) {
    const element = values[i];
    if (element === null || element === undefined) {
      copy[i] = null;
      continue;
    }
    const type = typeof element;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return undefined;
    if (elementType === undefined) elementType = type;
    else if (type !== elementType) return undefined;
    copy[i] =
      type === 'string' && (element as string).length > lengthLimit
        ? truncate(element as string, lengthLimit)
        : element;
  }
  return copy as AttributeValue;
}

/** The value as it is to be stored, or undefined when it is not a valid attribute value. */
export function sanitizeAttributeValue(value: unknown, lengthLimit: number): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
      return value.length > lengthLimit ? truncate(value, lengthLimit) : value;
    case 'number':
    case 'boolean':
      return value;
    case 'object':
      return Array.isArray(value) ? sanitizeArray(value, lengthLimit) : undefined;
    default:
      return undefined;
  }
}

function logInvalid(key: unknown): void {
  if (isLogLevelEnabled('debug')) {
    log.debug(`attribute ${JSON.stringify(String(key))} dropped: invalid key or value type`);
  }
}

function noteCountLimit(): void {
  if (countLimitWarned) return;
  countLimitWarned = true;
  log.warnOnce(
    'OTELI_W_ATTRIBUTE_COUNT_LIMIT',
    'attributes dropped: count limit reached on a span, event or link ' +
      '(OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT / OTEL_ATTRIBUTE_COUNT_LIMIT); see droppedAttributesCount',
  );
}

/** Validates, truncates and stores one attribute, counting a drop when the count limit is hit. */
export function setLimitedAttribute(
  holder: AttributeHolder,
  key: string,
  value: unknown,
  countLimit: number,
  lengthLimit: number,
): void {
  const sanitized = typeof key === 'string' && key.length > 0 ? sanitizeAttributeValue(value, lengthLimit) : undefined;
  if (sanitized === undefined) {
    logInvalid(key);
    return;
  }
  let target = holder.attributes;
  if (target === EMPTY_ATTRIBUTES) target = holder.attributes = {};
  // We never store undefined, so `undefined` means "new" unless the key names something on
  // Object.prototype (e.g. "constructor"), which the own-property check settles.
  const isNew = (target as Record<string, unknown>)[key] === undefined || !hasOwn.call(target, key);
  if (isNew) {
    if (holder.attributeCount >= countLimit) {
      holder.droppedAttributesCount++;
      noteCountLimit();
      return;
    }
    holder.attributeCount++;
  }
  if (key === '__proto__') {
    // Plain assignment would set the prototype instead of storing the attribute.
    Object.defineProperty(target, key, { value: sanitized, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = sanitized;
  }
}

/**
 * The number of keys when `attributes` can be stored as a plain copy: a plain object whose values
 * are all short strings, numbers or booleans, within the count limit (what instrumentations hand
 * to startSpan). -1 when any key needs the one-by-one path (arrays are copied element-wise,
 * invalid values dropped, long strings cut, `__proto__` defined).
 */
function plainCopyCount(attributes: Attributes, countLimit: number, lengthLimit: number): number {
  // for-in and a spread see the same keys only when nothing is inherited.
  if (Object.getPrototypeOf(attributes) !== Object.prototype) return -1;
  let count = 0;
  for (const key in attributes) {
    const value = attributes[key];
    const type = typeof value;
    if (type === 'string') {
      if ((value as string).length > lengthLimit) return -1;
    } else if (type !== 'number' && type !== 'boolean') {
      return -1;
    }
    if (key === '__proto__' || key === '' || ++count > countLimit) return -1;
  }
  return count;
}

/** setLimitedAttribute for every enumerable key of `attributes` (no Object.keys() array). */
export function setLimitedAttributes(
  holder: AttributeHolder,
  attributes: Attributes | undefined,
  countLimit: number,
  lengthLimit: number,
): void {
  if (attributes === undefined || attributes === null || typeof attributes !== 'object') return;
  if (holder.attributeCount === 0) {
    // A span's first attributes: one validating read, then the object handed over, or one
    // copy (a spread copies the object's shape at once, where key-by-key stores go through a
    // megamorphic store each).
    const count = plainCopyCount(attributes, countLimit, lengthLimit);
    if (count >= 0) {
      const isHandedOver = attributes === handedOver;
      if (isHandedOver) handedOver = undefined;
      holder.attributes = isHandedOver ? attributes : { ...attributes };
      holder.attributeCount = count;
      return;
    }
  }
  for (const key in attributes) {
    setLimitedAttribute(holder, key, attributes[key], countLimit, lengthLimit);
  }
}

/** Test hook: let the count-limit warning be printed again. */
export function resetAttributeWarnings(): void {
  countLimitWarned = false;
}
