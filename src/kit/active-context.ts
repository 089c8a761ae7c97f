/**
 * The active context and "run in this context" for instrumentations' per-event paths (an emit
 * wrapper runs for every event of every request). When the registered context manager is ours,
 * they call it directly: the api's context.active() and context.with() look the global up and
 * check its version on every call, and with() copies its arguments into a rest array twice. Any
 * other manager (the app replaced ours) is reached through the api, as before.
 */
import { context as contextApi, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '../sdk/context-manager';

/** Where @opentelemetry/api 1.x keeps its registered globals. */
const API_GLOBALS = Symbol.for('opentelemetry.js.api.1');

function ourManager(): AsyncLocalStorageContextManager | undefined {
  const manager = (globalThis as { [API_GLOBALS]?: { context?: unknown } })[API_GLOBALS]?.context;
  return manager instanceof AsyncLocalStorageContextManager ? manager : undefined;
}

export function activeContext(): Context {
  const manager = ourManager();
  return manager === undefined ? contextApi.active() : manager.active();
}

/** `fn.apply(thisArg, args)` with `ctx` active. */
export function withContext<R>(ctx: Context, fn: (...args: any[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
  const manager = ourManager();
  if (manager !== undefined) return manager.withArguments(ctx, fn, thisArg, args);
  return contextApi.with(ctx, Reflect.apply, undefined, fn, thisArg, args) as R;
}

/**
 * `fn(arg)` with no context active, ours nor any other store's, in one frame made at the agent's
 * start: for what Node creates on a request's behalf but outlives it (a connection's keep-alive
 * timer, ../instrumentations/http/keep-alive-timer.ts). With another manager, fn runs as it is.
 */
export function outsideEveryContext<A, R>(fn: (arg: A) => R, arg: A): R {
  const manager = ourManager();
  return manager === undefined ? fn(arg) : manager.runInStartFrame(fn, arg);
}
