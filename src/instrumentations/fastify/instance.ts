/**
 * The `fastify.initialization` channel's handler: instruments one fastify instance through its
 * public API (see spans.ts for what, and why not fastify 5's tracing channel).
 */
import type { InstrumentationContext } from '../../kit/definition';
import { log } from '../../log';
import { satisfies } from '../../hooks/semver';
import { nameRoute, REQUEST_HOOKS, tracedHandler, tracedHook, type FastifySettings } from './spans';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

interface FastifyInstance {
  version?: string;
  addHook: (name: string, fn: AnyFunction) => unknown;
}

interface RouteOptions {
  url?: string;
  handler?: AnyFunction;
  [hook: string]: unknown;
}

const instrumented = new WeakSet<object>();
export const SUPPORTED = '>=4 <6';

export function createFastifyHandlers(ctx: InstrumentationContext<FastifySettings>) {
  const { tracer, settings } = ctx;

  function onRoute(routeOptions: RouteOptions): void {
    if (!settings.internalSpans) return;
    const url = typeof routeOptions.url === 'string' ? routeOptions.url : undefined;
    if (url !== undefined && typeof routeOptions.handler === 'function') routeOptions.handler = tracedHandler(tracer, url, routeOptions.handler);
    // Hooks given in the route's own options.
    for (const hookName of REQUEST_HOOKS) {
      const value = routeOptions[hookName];
      if (typeof value === 'function') routeOptions[hookName] = tracedHook(tracer, hookName, value as AnyFunction);
      else if (Array.isArray(value)) routeOptions[hookName] = value.map((fn) => (typeof fn === 'function' ? tracedHook(tracer, hookName, fn) : fn));
    }
  }

  function onInitialization(message: unknown): void {
    const instance = (message as { fastify?: FastifyInstance } | null)?.fastify;
    // Anything but an object with addHook (a fake, a stub, a message of another publisher) is left alone.
    if (instance === null || typeof instance !== 'object' || typeof instance.addHook !== 'function' || instrumented.has(instance) || ctx.isStoodDown()) return;
    const version = typeof instance.version === 'string' ? instance.version : ctx.loadedVersion('fastify');
    // fastify 3.21+ publishes the channel too; the hook layer warned about its version.
    if (version === undefined || !satisfies(version, SUPPORTED)) {
      log.debug(`fastify: an instance of fastify ${version ?? '(version unknown)'} left alone: outside "${SUPPORTED}"`);
      return;
    }
    instrumented.add(instance);
    // Ours first, through the original addHook: they get no span of their own.
    instance.addHook('onRequest', nameRoute as AnyFunction);
    instance.addHook('onRoute', onRoute as AnyFunction);
    if (settings.internalSpans) {
      ctx.wrap(instance, 'addHook', (addHook) =>
        function addHookTraced(this: unknown, name: string, fn: AnyFunction): unknown {
          const hook = REQUEST_HOOKS.has(name) && typeof fn === 'function' ? tracedHook(tracer, name, fn) : fn;
          // eslint-disable-next-line prefer-rest-params
          return (addHook as AnyFunction).call(this, name, hook, ...Array.prototype.slice.call(arguments, 2));
        },
      );
    }
    log.debug(`fastify: instrumented an instance of fastify ${version}`);
  }

  return { onInitialization };
}
