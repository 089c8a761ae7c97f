/**
 * Wrapping helpers for instrumentation code: shimmer underneath, idempotent (a function we wrapped
 * is never wrapped twice), reversible, and with the containment seams STYLE.md asks for.
 *
 * While the hook layer applies a patch it keeps an undo journal: if the patch throws halfway, every
 * wrap it made is undone, so the app gets the module as it was, not a half-patched one.
 */
import shimmer from 'shimmer';
import { log } from '../log';

type AnyFunction = (...args: any[]) => any;

/** wrapper → the function it wraps. Identifies our wrappers without touching app objects. */
const originals = new WeakMap<AnyFunction, AnyFunction>();

let journal: Array<() => void> | undefined;

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && originals.has(fn as AnyFunction);
}

/** The function one of our wrappers replaced, or `fn` itself when it is not ours. */
export function getOriginal<T>(fn: T): T {
  return (typeof fn === 'function' ? (originals.get(fn as AnyFunction) as T | undefined) : undefined) ?? fn;
}

/**
 * Replace `target[name]` with `makeWrapper(original)`. Returns false (and logs why at debug) when
 * there is nothing to wrap or it is already wrapped by us.
 */
export function wrap<T extends object, K extends keyof T>(
  target: T,
  name: K,
  makeWrapper: (original: T[K]) => T[K],
): boolean {
  const label = String(name);
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) {
    log.debug(`wrap ${label}: target is not an object, skipped`);
    return false;
  }
  // Read through the descriptor, not `target[name]`: a getter (which may throw, or hand out a
  // new function on every read) is the library's business, and is left alone, as is a property
  // that cannot be replaced (a frozen prototype).
  const found = findProperty(target, name);
  if (found === undefined) {
    log.debug(`wrap ${label}: no such property, skipped`);
    return false;
  }
  const { descriptor, own } = found;
  if (!('value' in descriptor)) {
    log.debug(`wrap ${label}: an accessor property, skipped`);
    return false;
  }
  const original = descriptor.value as T[K];
  if (typeof original !== 'function') {
    log.debug(`wrap ${label}: not a function (${typeof original}), skipped`);
    return false;
  }
  if (own ? descriptor.configurable !== true && descriptor.writable !== true : !Object.isExtensible(target) || descriptor.writable !== true) {
    log.debug(`wrap ${label}: cannot be replaced (read-only), skipped`);
    return false;
  }
  if (originals.has(original as AnyFunction)) {
    log.debug(`wrap ${label}: already wrapped, skipped`);
    return false;
  }
  const wrapper = makeWrapper(original);
  if (typeof wrapper !== 'function') {
    log.debug(`wrap ${label}: makeWrapper returned ${typeof wrapper}, skipped`);
    return false;
  }
  originals.set(wrapper as AnyFunction, original as AnyFunction);
  if (typeof (target as { propertyIsEnumerable?: unknown }).propertyIsEnumerable === 'function') {
    // shimmer keeps the property's enumerability and leaves __original / __unwrap / __wrapped on
    // the wrapper, which other agents look for.
    shimmer.wrap(target as any, label, () => wrapper as AnyFunction);
  } else {
    // shimmer calls obj.propertyIsEnumerable, which a null-prototype object (an ES module
    // namespace from import-in-the-middle) does not have.
    setProperty(target, name, wrapper);
  }
  if (!own && descriptor.enumerable === true) {
    // An inherited method (IncomingMessage's emit is EventEmitter's) now has an own wrapper on
    // the target: as enumerable as the one it shadows, so that for-in lists the same keys.
    Object.defineProperty(target, name, { enumerable: true });
  }
  wrapsMade++;
  journal?.push(() => {
    if (target[name] === wrapper) setProperty(target, name, original);
  });
  return true;
}

/** The property's descriptor, from the target or the first prototype that has it. */
function findProperty(target: object, name: PropertyKey): { descriptor: PropertyDescriptor; own: boolean } | undefined {
  let holder: object | null = target;
  while (holder !== null) {
    const descriptor = Object.getOwnPropertyDescriptor(holder, name);
    if (descriptor !== undefined) return { descriptor, own: holder === target };
    holder = Object.getPrototypeOf(holder) as object | null;
  }
  return undefined;
}

/** How many wraps were made in this process: the hook layer tells a patch that found nothing to wrap. */
export function wrapCount(): number {
  return wrapsMade;
}

let wrapsMade = 0;

function setProperty<T extends object, K extends keyof T>(target: T, name: K, value: T[K]): void {
  const enumerable = Object.prototype.propertyIsEnumerable.call(target, name);
  Object.defineProperty(target, name, { configurable: true, enumerable, writable: true, value });
}

/** Put back the original of one of our wrappers. Returns false if `target[name]` is not ours. */
export function unwrap<T extends object, K extends keyof T>(target: T, name: K): boolean {
  const current = target?.[name];
  if (!isWrapped(current)) {
    log.debug(`unwrap ${String(name)}: not wrapped by us, skipped`);
    return false;
  }
  setProperty(target, name, getOriginal(current));
  return true;
}

/**
 * Run `patch`; if it throws, undo every `wrap` it made and re-throw. Nested calls share the
 * outermost journal.
 */
export function withUndoJournal<R>(patch: () => R): R {
  if (journal) return patch();
  const mine: Array<() => void> = [];
  journal = mine;
  try {
    return patch();
  } catch (err) {
    for (let i = mine.length - 1; i >= 0; i--) {
      try {
        mine[i]!();
      } catch {
        // Best effort: an undo that fails leaves that one wrapper in place.
      }
    }
    throw err;
  } finally {
    journal = undefined;
  }
}

const saidOnce = new Set<string>();

/** An internal failure: one error line per (code, where), never thrown. */
export function reportOnce(code: string, where: string, err: unknown): void {
  const key = `${code}\u0000${where}`;
  if (saidOnce.has(key)) return;
  saidOnce.add(key);
  const detail = err instanceof Error ? err.message : String(err);
  log.error(`${code} ${where}: ${detail}`);
}

/**
 * Run our own code (recording, bookkeeping) where an error must not reach the app: a throw is
 * reported once under `code` and `fallback` is returned.
 */
export function safely<R>(code: string, where: string, fn: () => R, fallback: R): R;
export function safely<R>(code: string, where: string, fn: () => R): R | undefined;
export function safely<R>(code: string, where: string, fn: () => R, fallback?: R): R | undefined {
  try {
    return fn();
  } catch (err) {
    reportOnce(code, where, err);
    return fallback;
  }
}

/** `fn` as a function that never throws: errors are reported once under `code`. */
export function contain<A extends unknown[], R>(
  code: string,
  where: string,
  fn: (...args: A) => R,
): (...args: A) => R | undefined {
  return function contained(this: unknown, ...args: A): R | undefined {
    try {
      return fn.apply(this, args);
    } catch (err) {
      reportOnce(code, where, err);
      return undefined;
    }
  };
}
