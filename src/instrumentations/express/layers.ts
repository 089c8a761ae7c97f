/**
 * Request time in express: every router layer a request passes through. A mount layer (`use`)
 * adds its path to the request's mount stack while it runs; a route layer sets the request's
 * route (`http.route`, through the web record) to the mounts joined with its own path; and, unless
 * turned off, each gets an INTERNAL span:
 *
 *   GET /api/v1/orders/:orderId (SERVER, named by http from the route)
 *   ├─ middleware - jsonParser              express.type=middleware
 *   └─ router - /api/v1                     express.type=router
 *      └─ request handler - /api/v1/orders/:orderId   express.type=request_handler
 *
 * A layer's span ends when it calls next() or when the response ends; next() continues in the
 * layer's parent context, so the following layer is its sibling. The handler runs in its span's
 * context, so the app's manual spans (and an async handler's awaited work) nest under it. An
 * error passed to next(), or thrown (express catches it and calls next(err)), is recorded on the
 * span where it happened; the app's error middleware still decides the response.
 *
 * The layers inside a route (its method handlers) run inside the request handler's span and
 * add nothing. State lives on the web record (its frameworkState), and the layers still open when
 * the response ends are ended by http, through the record (endWithResponse): nothing is added to
 * req or res, and no listener.
 */
import { SpanKind, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { activeContext, withContext } from '../../kit/active-context';
import { errorTypeForError, recordError } from '../../kit/errors';
import { handOver } from '../../sdk/attributes';
import { contextWithSpan } from '../../sdk/linked-context';
import { childSpansAreDropped } from '../../sdk/samplers';
import { endWithResponse, setRoute, webRecordOf, type ResponseEnding, type WebRecord } from '../http-shared/web-record';
import { declaredPathOf, joinTemplates, templateOf, type DeclaredPath } from './route-paths';

export const ATTR_EXPRESS_TYPE = 'express.type';
export const ATTR_EXPRESS_NAME = 'express.name';

export interface ExpressSettings {
  /** OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS: false keeps only the route naming. */
  readonly internalSpans: boolean;
}

export interface ExpressLayer {
  handle: (...args: unknown[]) => unknown;
  name?: string;
  route?: unknown;
  match?: (path: string) => unknown;
}

interface OpenLayer {
  readonly span: Span | undefined;
  readonly isMount: boolean;
  /** For a route layer: the request's route before it, restored if it passes the request on. */
  readonly previousRoute: string | undefined;
  readonly isRoute: boolean;
  done: boolean;
}

/** One request's layers, on its web record; http calls responseEnded() when the response ends. */
class RequestLayers implements ResponseEnding {
  readonly mounts: string[] = [];
  /** Depth of route layers being run: the layers inside a route are its handlers. */
  inRoute = 0;
  /** Every layer opened, in order; the done ones are skipped at the end (fewer than a Set costs). */
  readonly opened: OpenLayer[] = [];

  /** Spans of layers that never called next() (they answered) end with the response. */
  responseEnded(): void {
    const opened = this.opened;
    for (let i = 0; i < opened.length; i++) finish(this, opened[i]!, undefined);
  }
}

function layersOf(record: WebRecord): RequestLayers {
  const state = record.frameworkState;
  if (state instanceof RequestLayers) return state;
  const layers = new RequestLayers();
  record.frameworkState = layers;
  endWithResponse(record, layers);
  return layers;
}

function isRouter(handle: unknown): boolean {
  if (typeof handle !== 'function') return false;
  const router = handle as unknown as { stack?: unknown; handle?: unknown };
  return Array.isArray(router.stack) && typeof router.handle === 'function';
}

function relativePath(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function finish(state: RequestLayers, open: OpenLayer, error: unknown): void {
  if (open.done) return;
  open.done = true;
  if (open.isMount) state.mounts.pop();
  if (open.isRoute) state.inRoute--;
  if (open.span !== undefined) {
    if (error !== undefined && error !== null && error !== 'route' && error !== 'router') {
      recordError(open.span, error, { errorType: errorTypeForError(error) });
    }
    open.span.end();
  }
}

/** The layer method being run (handleRequest or handleError) and what it was given. */
export type LayerMethod = (this: ExpressLayer, ...args: unknown[]) => unknown;

/**
 * Runs one layer for one request: `original` is its handleRequest(req, res, next), or its
 * handleError(error, req, res, next) when `error` is given (hasError). `layerFactory` builds a
 * throw-away layer of the same kind for a path (to tell which alternative of an array route
 * matched). Positional arguments rather than a call object: this runs for every layer of every
 * request.
 */
export function runLayer(
  tracer: Tracer,
  settings: ExpressSettings,
  original: LayerMethod,
  layer: ExpressLayer,
  hasError: boolean,
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse | undefined,
  givenNext: (...args: unknown[]) => unknown,
  layerFactory: ((path: DeclaredPath) => ExpressLayer) | undefined,
): unknown {
  const record = webRecordOf(req);
  const declared = record === undefined ? undefined : declaredPathOf(layer);
  // Not a request our http instrumentation traces (fastify.inject-style, http off), a layer we
  // did not see created, or a handler inside a route: nothing to add.
  if (record === undefined || declared === undefined) return callLayer(original, layer, hasError, error, req, res, givenNext);
  const state = layersOf(record);
  if (state.inRoute > 0) return callLayer(original, layer, hasError, error, req, res, givenNext);

  const isRoute = layer.route !== undefined;
  const template = templateOf(layer, declared, relativePath(req), layerFactory);
  const previousRoute = record.route;
  let name: string;
  let type: string;
  let route: string | undefined;
  let mountPath: string | undefined;
  if (isRoute) {
    route = joinTemplates(state.mounts, template);
    setRoute(record, route, 'express');
    type = 'request_handler';
    name = `request handler - ${route}`;
    state.inRoute++;
  } else {
    state.mounts.push(template);
    mountPath = joinTemplates(state.mounts, '/');
    if (isRouter(layer.handle)) {
      type = 'router';
      name = `router - ${mountPath}`;
    } else {
      type = 'middleware';
      name = `middleware - ${layer.name || '<anonymous>'}`;
    }
  }

  const parent = activeContext();
  let span: Span | undefined;
  let spanContext: Context = parent;
  // A sampled-out request gets its route and mounts, not spans that would be dropped.
  if (settings.internalSpans && !childSpansAreDropped(parent)) {
    span = tracer.startSpan(
      name,
      {
        kind: SpanKind.INTERNAL,
        // Literal keys (ATTR_EXPRESS_TYPE, ATTR_EXPRESS_NAME, ATTR_HTTP_ROUTE): see http/server.ts recordServerDuration.
        attributes: handOver(
          route === undefined
            ? { 'express.type': type, 'express.name': type === 'middleware' ? layer.name || '<anonymous>' : mountPath! }
            : { 'express.type': type, 'express.name': route, 'http.route': route },
        ),
      },
      parent,
    );
    spanContext = contextWithSpan(parent, span);
  }
  const open: OpenLayer = { span, isMount: !isRoute, previousRoute, isRoute, done: false };
  state.opened.push(open);

  // A declaration, not `const next = function next`: the bundler renames such a name (next2),
  // and the app's middleware may read next.name. (Hoisted, it loses the narrowing of `record`.)
  function next(this: unknown, err?: unknown): unknown {
    if (!open.done) {
      // Passed on without an error: this route did not handle the request after all, unless it
      // answered first (a handler that sends, then calls next() again, or lets a logger run).
      if (open.isRoute && (err === undefined || err === 'route' || err === 'router') && res?.headersSent !== true) record!.route = open.previousRoute;
      finish(state, open, err);
    }
    // eslint-disable-next-line prefer-rest-params
    return withContext(parent, givenNext, this, arguments);
  }
  return withContext(spanContext, callLayer, undefined, [original, layer, hasError, error, req, res, next]);
}

function callLayer(
  original: LayerMethod,
  layer: ExpressLayer,
  hasError: boolean,
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse | undefined,
  next: (...args: unknown[]) => unknown,
): unknown {
  return hasError ? original.call(layer, error, req, res, next) : original.call(layer, req, res, next);
}
