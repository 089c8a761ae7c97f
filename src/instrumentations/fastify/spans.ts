/**
 * What fastify gets from us, through its public API only, on each instance the
 * `fastify.initialization` channel hands over (fastify 4 and 5 publish it from the factory, for
 * every factory style: `require('fastify')()`, `.default`, `import Fastify`, `{ fastify }`):
 *
 * - an `onRequest` hook, added first, that sets the request's route on its web record
 *   (`request.routeOptions.url`, with every plugin prefix; the 404 handler has none), from which
 *   http names the SERVER span `{method} {route}` and sets `http.route`;
 * - `addHook` wrapped on the instance (plugins' instances inherit it), and the hooks given in
 *   route options wrapped in `onRoute`: a span per request hook, `hook - onRequest - <fn name>`;
 * - the route handler wrapped in `onRoute`: `handler - /v2/items/:id`.
 *
 *   GET /v2/items/:id (SERVER)
 *   ├─ hook - onRequest - authenticate (INTERNAL)   fastify.type=hook hook.name=onRequest
 *   └─ handler - /v2/items/:id (INTERNAL)           fastify.type=request_handler
 *
 * A hook's or handler's span covers it until it calls `done`, its promise settles, or (a handler
 * that answers with reply.send) the response ends (http calls it back, endWithResponse); errors
 * are recorded on it. Fastify 5's
 * `tracing:fastify.request.handler` channel is not used: a subscriber cannot make the handler run
 * in its span's context through @opentelemetry/api, and the app's manual spans must nest under it.
 */
import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { activeContext, withContext } from '../../kit/active-context';
import { errorTypeForError, recordError } from '../../kit/errors';
import { contextWithSpan } from '../../sdk/linked-context';
import { childSpansAreDropped } from '../../sdk/samplers';
import { endWithResponse, setRoute, webRecordOf } from '../http-shared/web-record';

export const ATTR_FASTIFY_TYPE = 'fastify.type';
export const ATTR_HOOK_NAME = 'hook.name';
export const ATTR_HOOK_CALLBACK_NAME = 'hook.callback.name';

export interface FastifySettings {
  /** OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS: false keeps only the route naming. */
  readonly internalSpans: boolean;
}

/** The request-lifecycle hooks; application hooks (onReady, onClose, onRoute …) get no span. */
export const REQUEST_HOOKS: ReadonlySet<string> = new Set([
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onTimeout',
  'onError',
  'onRequestAbort',
]);

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

interface FastifyRequest {
  raw?: IncomingMessage;
  routeOptions?: { url?: string };
  routerPath?: string;
}
interface FastifyReply {
  raw?: ServerResponse;
}

/** The matched route template: routeOptions (4.10+, 5) or routerPath (4.0–4.9, before it was deprecated). */
function routeUrl(request: FastifyRequest): string | undefined {
  return 'routeOptions' in request ? request.routeOptions?.url : request.routerPath;
}

/** The first onRequest hook of every instance: names the request's route. */
export function nameRoute(this: unknown, request: FastifyRequest, _reply: unknown, done: () => void): void {
  try {
    const record = webRecordOf(request.raw);
    if (record !== undefined) {
      const url = routeUrl(request);
      if (url !== undefined) setRoute(record, url, 'fastify');
    }
  } catch {
    // naming is best effort; the request goes on
  }
  done();
}

function isAsyncFunction(fn: AnyFunction): boolean {
  return fn.constructor?.name === 'AsyncFunction';
}

const ASYNC_FUNCTION_PROTOTYPE = Object.getPrototypeOf(async function () {}) as object;

/**
 * `wrapper` made to look like `fn` where fastify looks: its name and length, and for an async
 * `fn` the AsyncFunction prototype, since fastify validates hooks and handlers by
 * `fn.constructor.name === 'AsyncFunction'` and their arity. The wrapper itself is a plain
 * function: it hands fastify the original's own promise, as without us. An async wrapper made a
 * promise of its own on every call, and resolving it with the original's cost two microtask
 * ticks more before fastify went on.
 */
function dressedLike(fn: AnyFunction, wrapper: AnyFunction): AnyFunction {
  if (isAsyncFunction(fn)) Object.setPrototypeOf(wrapper, ASYNC_FUNCTION_PROTOTYPE);
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: fn.length, configurable: true });
  return wrapper;
}

const wrappedFunctions = new WeakSet<AnyFunction>();

/**
 * `fn` (a hook or a handler) run in a span of its own for requests we trace. The span ends once:
 * at `done`, at its promise settling, or (`endOnResponse`, a handler answering through reply)
 * when the response ends.
 */
function traced(tracer: Tracer, fn: AnyFunction, name: string, attributes: Record<string, string>, endOnResponse: boolean): AnyFunction {
  if (wrappedFunctions.has(fn)) return fn;
  // An async hook ends with its promise: fastify refuses async hooks that take `done`, and the
  // `next` it still passes them is never called by them. Wrapping it anyway cost memory: under
  // load the wrappers kept 2-3 MB alive through each young-generation collection for the first
  // few hundred ms, and V8 answered by growing the young generation to 32 MiB semi-spaces
  // (fastify, sampler off: 64 MB of new space where 16 sufficed).
  const takesDone = !isAsyncFunction(fn);
  const wrapper = dressedLike(fn, function (this: unknown, ...args: unknown[]): unknown {
    const request = args[0] as FastifyRequest | undefined;
    const record = request === undefined ? undefined : webRecordOf(request.raw);
    if (record === undefined) return fn.apply(this, args);
    const parent = activeContext();
    // A sampled-out request: its span would be dropped, so fastify runs the function as it is.
    if (childSpansAreDropped(parent)) return fn.apply(this, args);
    const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
    let ended = false;
    const end = (error?: unknown): void => {
      if (ended) return;
      ended = true;
      if (error !== undefined && error !== null) recordError(span, error, { errorType: errorTypeForError(error) });
      span.end();
    };
    const last = args.length - 1;
    const done = args[last];
    if (takesDone && last > 0 && typeof done === 'function') {
      args[last] = function (this: unknown, error?: unknown): unknown {
        end(error instanceof Error ? error : undefined);
        // eslint-disable-next-line prefer-rest-params
        return withContext(parent, done as AnyFunction, this, arguments);
      };
    }
    let result: unknown;
    try {
      result = withContext(contextWithSpan(parent, span), fn, this, args);
    } catch (error) {
      end(error);
      throw error;
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(() => end(), end);
    } else if (endOnResponse) {
      const res = (args[1] as FastifyReply | undefined)?.raw;
      // http ends it when the response ends (finish, or close first), before the SERVER span.
      if (res === undefined || res.writableFinished) end();
      else endWithResponse(record, { responseEnded: end });
    }
    return result;
  });
  wrappedFunctions.add(wrapper);
  return wrapper;
}

export function tracedHook(tracer: Tracer, hookName: string, fn: AnyFunction): AnyFunction {
  const callbackName = fn.name || '<anonymous>';
  // Literal keys (ATTR_FASTIFY_TYPE, ATTR_HOOK_NAME, ATTR_HOOK_CALLBACK_NAME, ATTR_HTTP_ROUTE): see http/server.ts recordServerDuration.
  return traced(tracer, fn, `hook - ${hookName} - ${callbackName}`, { 'fastify.type': 'hook', 'hook.name': hookName, 'hook.callback.name': callbackName }, false);
}

export function tracedHandler(tracer: Tracer, url: string, fn: AnyFunction): AnyFunction {
  return traced(tracer, fn, `handler - ${url}`, { 'fastify.type': 'request_handler', 'http.route': url }, true);
}
