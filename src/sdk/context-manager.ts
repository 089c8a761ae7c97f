/**
 * Context propagation across async boundaries with AsyncLocalStorage.
 *
 * with() is AsyncLocalStorage#run and nothing more in the common case (no thisArg): no wrapper
 * closure and no bookkeeping per call. bind() is the slow path (it allocates a wrapper) and is
 * only used by code that explicitly asks for it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

type Listener = (...args: unknown[]) => unknown;
type ListenerMap = Map<string | symbol, WeakMap<Listener, Listener>>;

const ADD_METHODS = ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener'] as const;
const REMOVE_METHODS = ['removeListener', 'off'] as const;

export class AsyncLocalStorageContextManager implements ContextManager {
  private readonly _storage = new AsyncLocalStorage<Context>();
  // Per emitter: event → (original listener → bound listener), so removeListener(original) works.
  private readonly _boundListeners = new WeakMap<EventEmitter, ListenerMap>();

  active(): Context {
    return this._storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    if (thisArg === undefined || thisArg === null) return this._storage.run(context, fn, ...args);
    // Reflect.apply as the callback passes `this` through without a closure per call.
    return this._storage.run(context, Reflect.apply, fn, thisArg, args) as ReturnType<F>;
  }

  /**
   * with() for a caller that already holds the arguments (an emit wrapper's `arguments`): no rest
   * array on the way in, and none through the api's context.with either (../kit/active-context.ts).
   */
  withArguments<R>(context: Context, fn: (...args: any[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
    return this._storage.run(context, Reflect.apply, fn, thisArg, args) as R;
  }

  /** Binds a function (or every listener later added to an EventEmitter) to `context`. */
  bind<T>(context: Context, target: T): T {
    if (typeof target === 'function') return this._bindFunction(context, target as unknown as Listener) as T;
    if (target instanceof EventEmitter) return this._bindEmitter(context, target) as T;
    return target;
  }

  enable(): this {
    return this;
  }

  /** Forgets the active context everywhere; the manager can be used again afterwards. */
  disable(): this {
    // A later run() (our with()) enables the storage again.
    this._storage.disable();
    return this;
  }

  private _bindFunction(context: Context, target: Listener): Listener {
    const storage = this._storage;
    const bound = function (this: unknown, ...args: unknown[]): unknown {
      return storage.run(context, Reflect.apply, target, this, args);
    };
    // Some libraries dispatch on fn.length (e.g. express error middleware has 4 parameters).
    Object.defineProperty(bound, 'length', { value: target.length, configurable: true });
    return bound;
  }

  private _bindEmitter(context: Context, emitter: EventEmitter): EventEmitter {
    if (this._boundListeners.has(emitter)) return emitter;
    const byEvent: ListenerMap = new Map();
    this._boundListeners.set(emitter, byEvent);
    const target = emitter as unknown as Record<string, (...args: unknown[]) => unknown>;

    for (const method of ADD_METHODS) {
      const original = target[method];
      if (typeof original !== 'function') continue;
      target[method] = (event: unknown, listener: unknown) => {
        if (typeof listener !== 'function') return original.call(emitter, event, listener);
        const key = event as string | symbol;
        let bound = byEvent.get(key)?.get(listener as Listener);
        if (bound === undefined) {
          bound = this._bindFunction(context, listener as Listener);
          let forEvent = byEvent.get(key);
          if (forEvent === undefined) byEvent.set(key, (forEvent = new WeakMap()));
          forEvent.set(listener as Listener, bound);
        }
        return original.call(emitter, event, bound);
      };
    }
    for (const method of REMOVE_METHODS) {
      const original = target[method];
      if (typeof original !== 'function') continue;
      target[method] = (event: unknown, listener: unknown) => {
        const bound = byEvent.get(event as string | symbol)?.get(listener as Listener);
        return original.call(emitter, event, bound ?? listener);
      };
    }
    const originalRemoveAll = target.removeAllListeners;
    if (typeof originalRemoveAll === 'function') {
      target.removeAllListeners = (...args: unknown[]) => {
        if (args.length === 0) byEvent.clear();
        else byEvent.delete(args[0] as string | symbol);
        return originalRemoveAll.apply(emitter, args);
      };
    }
    return emitter;
  }
}
