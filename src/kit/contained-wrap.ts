/**
 * `ctx.wrap`: the one way an instrumentation wraps a function of the app's libraries, with the
 * two checks every wrapper needs and none should write again:
 *
 * - stand-down: once the instrumentation gave way to another tracer, calls go straight to the
 *   original;
 * - call-time containment: the wrapper's own code (before or after it calls the original) may
 *   throw, the app's call must not. The wrapper is handed a tracked original. If the wrapper
 *   throws before calling it, the original is called instead (untraced, one error line); if it
 *   throws after, the app gets what the original returned, or the error the original threw. An
 *   error of the original passes through untouched.
 *
 * The tracking is three module-level slots saved and restored around each call (wrapped calls
 * nest: an original may call another wrapped function), so a call allocates nothing.
 */
import { reportOnce, wrap } from '../hooks/wrap';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

const NOT_THROWN: unique symbol = Symbol('not thrown');
/** Whether the innermost running wrapper has called its original yet, and how that ended. */
let originalCalled = false;
let originalResult: unknown;
let originalError: unknown = NOT_THROWN;

export function containedWrap<T extends object, K extends keyof T>(
  id: string,
  isStoodDown: () => boolean,
  target: T,
  name: K,
  makeWrapper: (original: T[K]) => T[K],
): boolean {
  return wrap(target, name, (original) => {
    const plain = original as unknown as AnyFunction;
    const tracked = function (this: unknown): unknown {
      originalCalled = true;
      try {
        // eslint-disable-next-line prefer-rest-params
        originalResult = plain.apply(this, arguments as unknown as unknown[]);
        return originalResult;
      } catch (err) {
        originalError = err;
        throw err;
      }
    };
    Object.defineProperty(tracked, 'name', { value: plain.name, configurable: true });
    Object.defineProperty(tracked, 'length', { value: plain.length, configurable: true });
    const traced = makeWrapper(tracked as unknown as T[K]) as unknown as AnyFunction;
    if (typeof traced !== 'function') return traced as unknown as T[K];
    const label = `${id}: ${String(name)}`;

    const guarded = function (this: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params
      const args = arguments as unknown as unknown[];
      if (isStoodDown()) return plain.apply(this, args);
      const savedCalled = originalCalled;
      const savedResult = originalResult;
      const savedError = originalError;
      originalCalled = false;
      originalResult = undefined;
      originalError = NOT_THROWN;
      try {
        return traced.apply(this, args);
      } catch (err) {
        if (!originalCalled) {
          reportOnce('OTELI_E_WRAPPER', `${label} failed before calling the original; the call runs untraced`, err);
          return plain.apply(this, args);
        }
        if (originalError !== NOT_THROWN) throw originalError; // the app's own error, unchanged
        reportOnce('OTELI_E_WRAPPER', `${label} failed after calling the original; its result is returned`, err);
        return originalResult;
      } finally {
        originalCalled = savedCalled;
        originalResult = savedResult;
        originalError = savedError;
      }
    };
    // Same name and arity as the original, for code that reads them: the original's name even
    // when it has none (pg 8.0's `Client.prototype.query = function (…)` is anonymous).
    Object.defineProperty(guarded, 'name', { value: plain.name, configurable: true });
    Object.defineProperty(guarded, 'length', { value: plain.length, configurable: true });
    return guarded as unknown as T[K];
  });
}
