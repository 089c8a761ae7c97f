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
