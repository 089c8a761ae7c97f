/**
 * The express patches. Express publishes nothing usable through @opentelemetry/api alone, so
 * the router is patched, once per copy:
 * - where layers are created (`use`, `route`), to record each layer's declared path;
 * - where a layer runs for a request (express 4: `Layer#handle_request` / `handle_error` in
 *   lib/router/layer.js; express 5: the same as `handleRequest` / `handleError` of the `router`
 *   2.x package it depends on), to follow mounts, set the route and make the spans (layers.ts).
 * (router 2.3 also publishes an `express.router.request` tracing channel; a subscriber cannot
 * make the handler run in its span's context through the API, which the spans here need.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentationContext, PatchFunction } from '../../kit/definition';
import { runLayer, type ExpressSettings } from './layers';
import { pathOfUse, recordNewLayers, type DeclaredPath } from './route-paths';

type AnyFunction = (this: any, ...args: any[]) => any;

/** `use` and `route` of a router prototype (express 4's lib/router proto, router 2's Router.prototype). */
function patchRouterMethods(proto: Record<string, AnyFunction>, ctx: InstrumentationContext<ExpressSettings>): void {
  ctx.wrap(proto, 'use', (original: AnyFunction) =>
    function use(this: { stack?: unknown[] }): unknown {
      const before = this.stack?.length ?? 0;
      // eslint-disable-next-line prefer-rest-params
      const result = original.apply(this, arguments as unknown as unknown[]);
      // eslint-disable-next-line prefer-rest-params
      recordNewLayers(this.stack, before, pathOfUse(arguments));
      return result;
    },
  );
  ctx.wrap(proto, 'route', (original: AnyFunction) =>
    function route(this: { stack?: unknown[] }, path: DeclaredPath): unknown {
      const before = this.stack?.length ?? 0;
      // eslint-disable-next-line prefer-rest-params
      const result = original.apply(this, arguments as unknown as unknown[]);
      recordNewLayers(this.stack, before, path);
      return result;
    },
  );
}

interface LayerClass {
  new (path: DeclaredPath, options: object, fn: AnyFunction): any;
  prototype: Record<string, AnyFunction>;
}

/** `handleRequest(req, res, next)` and `handleError(err, req, res, next)`, under either spelling. */
function patchLayerMethods(Layer: LayerClass, ctx: InstrumentationContext<ExpressSettings>, requestName: string, errorName: string): void {
  const factory = (path: DeclaredPath): any => new Layer(path, { end: true, sensitive: false, strict: false }, () => undefined);
  ctx.wrap(Layer.prototype, requestName, (original: AnyFunction) =>
    function handleRequest(this: any, req: IncomingMessage, res: ServerResponse, next: AnyFunction): unknown {
      // A 4-argument (error) handler is skipped by express for a request without an error.
      if (typeof this.handle !== 'function' || this.handle.length > 3) return original.call(this, req, res, next);
      return runLayer(ctx.tracer, ctx.settings, original, this, false, undefined, req, res, next, factory);
    },
  );
  ctx.wrap(Layer.prototype, errorName, (original: AnyFunction) =>
    function handleError(this: any, error: unknown, req: IncomingMessage, res: ServerResponse, next: AnyFunction): unknown {
      if (typeof this.handle !== 'function' || this.handle.length !== 4) return original.call(this, error, req, res, next);
      return runLayer(ctx.tracer, ctx.settings, original, this, true, error, req, res, next, factory);
    },
  );
}

/** express 4: lib/router/index.js exports the router prototype (`proto`). */
export const patchExpress4Router: PatchFunction<ExpressSettings> = (proto, ctx) => {
  patchRouterMethods(proto, ctx);
  return undefined;
};

/** express 4: lib/router/layer.js exports Layer. */
export const patchExpress4Layer: PatchFunction<ExpressSettings> = (Layer, ctx) => {
  patchLayerMethods(Layer, ctx, 'handle_request', 'handle_error');
  return undefined;
};

/** router 2 (express 5): the main entry exports Router. */
export const patchRouter2: PatchFunction<ExpressSettings> = (Router, ctx) => {
  patchRouterMethods(Router.prototype, ctx);
  return undefined;
};

/** router 2 (express 5): lib/layer.js exports Layer. */
export const patchRouter2Layer: PatchFunction<ExpressSettings> = (Layer, ctx) => {
  patchLayerMethods(Layer, ctx, 'handleRequest', 'handleError');
  return undefined;
};
