/**
 * The patch for `http` and `https` (the same code, told which scheme it serves): client calls
 * `request` and `get`, and `Server.prototype.emit` for incoming requests. Patching the module's
 * exports object in place is what makes every import style see it: the hook layer copies the
 * wrapped properties onto the ESM namespace, and `process.getBuiltinModule` returns this object.
 *
 * `get` is wrapped on its own because Node's `get` calls the module-local `request`, never the
 * exported (wrapped) one; `https.request` builds http's ClientRequest directly, never through
 * `http.request`. So each public entry point is wrapped once and no request passes two wrappers.
 */
import type { InstrumentationContext, PatchFunction } from '../../kit/definition';
import { log } from '../../log';
import { makeRequestWrapper } from './client';
import { makeServerEmitWrapper, onResponseEnded } from './server';
import { installRequestEvents } from './request-events';
import type { HttpSettings } from './settings';
import { HTTP_CLIENT_REQUEST_DURATION, HTTP_SERVER_REQUEST_DURATION } from '../../metrics/instruments';

function patchModule(moduleExports: any, ctx: InstrumentationContext<HttpSettings>, scheme: 'http' | 'https'): void {
  const requestWrapper = makeRequestWrapper(ctx.tracer, ctx.settings, scheme, ctx.meter?.histogram(HTTP_CLIENT_REQUEST_DURATION));
  const request = ctx.wrap(moduleExports, 'request', requestWrapper);
  const get = ctx.wrap(moduleExports, 'get', requestWrapper);
  // wrapHot: the server's emit runs for every event of every server (connections too), and its
  // wrapper contains its own code (startServerSpan never throws) and checks the stand-down.
  const emit = ctx.wrapHot(
    moduleExports.Server?.prototype,
    'emit',
    makeServerEmitWrapper(ctx.tracer, ctx.settings, scheme, ctx.meter?.histogram(HTTP_SERVER_REQUEST_DURATION), ctx.isStoodDown),
  );
  // https serves its requests with http's IncomingMessage and ServerResponse; the second
  // install (whichever module loads second) finds them wrapped.
  const events = installRequestEvents(scheme === 'http' ? moduleExports : require('node:http'), ctx, onResponseEnded);
  // The hook layer logs the patch; say here only what was left out (wrap() logged why).
  if (!request || !get || !emit || !events) {
    log.debug(`${ctx.id}: ${scheme} partly patched: request ${request}, get ${get}, Server#emit ${emit}, request events ${events}`);
  }
}

export const patchHttp: PatchFunction<HttpSettings> = (moduleExports, ctx) => {
  patchModule(moduleExports, ctx, 'http');
  return undefined;
};

export const patchHttps: PatchFunction<HttpSettings> = (moduleExports, ctx) => {
  patchModule(moduleExports, ctx, 'https');
  return undefined;
};
