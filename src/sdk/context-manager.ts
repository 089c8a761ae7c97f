/**
 * Context propagation across async boundaries with AsyncLocalStorage.
 *
 * with() runs the callback with the context active and no wrapper closure or bookkeeping per
 * call. bind() is the slow path (it allocates a wrapper) and is only used by code that asks for it.
 *
 * Where AsyncLocalStorage is built on AsyncContextFrame (Node.js 24 by default), its run() is an
 * enterWith() to enter and another to leave, and each enterWith copies the whole frame (a Map of
 * every store) into a new one: 440 to 540 ns a call on Node 24, three to five calls per request
 * on express and fastify. There with() enters with one enterWith inside an AsyncResource's
 * runInAsyncScope, which gives the caller's frame back without a copy (the resource holds it):
 * 230 to 270 ns. Elsewhere (Node 20 and 22, the async_hooks store) run() costs 20 to 30 ns and
 * is used as it is. The resource is an ordinary one: async_hooks see it as the scope the callback
 * ran in, as with AsyncResource.bind.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

type Listener = (...args: unknown[]) => unknown;
type ListenerMap = Map<string | symbol, WeakMap<Listener, Listener>>;

const ADD_METHODS = ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener'] as const;
const REMOVE_METHODS = ['removeListener', 'off'] as const;

/** True when AsyncLocalStorage#run is the two-enterWith one (AsyncContextFrame); read from its source. */
export function runCopiesFrames(storageClass: { prototype: { run: unknown } } = AsyncLocalStorage): boolean {
  try {
    return /\bthis\.enterWith\(/.test(Function.prototype.toString.call(storageClass.prototype.run));
  } catch {
    return false;
  }
}

const SWITCH_FRAMES = runCopiesFrames();
/** The type async_hooks see for the scope of a with(). */
const SCOPE_TYPE = 'otel-instrument:context';

/** Runs inside the resource's scope (the caller's frame, which the resource restores after). */
function enterAndApply(this: AsyncLocalStorage<Context>, context: Context, fn: Listener, thisArg: unknown, args: ArrayLike<unknown>): unknown {
  this.enterWith(context);
  return Reflect.apply(fn, thisArg, args);
}

export class AsyncLocalStorageContextManager implements ContextManager {
  private readonly _storage = new AsyncLocalStorage<Context>();
  /**
   * Runs a callback in the frame this manager was made in: the agent's start, before any app
   * code, where no store (ours or the app's) holds anything. The same frame every call, so
   * nothing a callback creates keeps a new one alive (see outsideEveryContext in
   * ../kit/active-context.ts).
   */
  readonly runInStartFrame: <A, R>(fn: (arg: A) => R, arg: A) => R = AsyncLocalStorage.snapshot();
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
    if (SWITCH_FRAMES) return this.withArguments(context, fn, thisArg, args);
    if (thisArg === undefined || thisArg === null) return this._storage.run(context, fn, ...args);
    // Reflect.apply as the callback passes `this` through without a closure per call.
    return this._storage.run(context, Reflect.apply, fn, thisArg, args) as ReturnType<F>;
  }

  /**
   * with() for a caller that already holds the arguments (an emit wrapper's `arguments`): no rest
   * array on the way in, and none through the api's context.with either (../kit/active-context.ts).
   */
  withArguments<R>(context: Context, fn: (...args: any[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
    const storage = this._storage;
    if (!SWITCH_FRAMES) return storage.run(context, Reflect.apply, fn, thisArg, args) as R;
    // run()'s own shortcut: the context is already the active one.
    if (storage.getStore() === context) return Reflect.apply(fn, thisArg, args);
    return new AsyncResource(SCOPE_TYPE).runInAsyncScope(enterAndApply, storage, context, fn, thisArg, args) as R;
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
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const manager = this;
    const bound = function (this: unknown, ...args: unknown[]): unknown {
      return manager.withArguments(context, target, this, args);
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
