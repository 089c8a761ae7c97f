/**
 * Global `fetch` (Node's bundled undici) and the `undici` package, traced through the
 * `undici:request:*` diagnostics channels both publish: nothing is patched, so there is no module
 * to hook (`targets: []`) and a fetch made before any import of ours is traced all the same.
 *
 * The id is `undici`, the name @opentelemetry/auto-instrumentations-node uses for the same
 * instrumentation, so OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici carries over unchanged; it
 * covers global fetch too, since that is undici.
 *
 * start() only subscribes. The span code (client-spans.ts and the http-shared helpers) loads on
 * the first `undici:request:create`, i.e. only in processes that make an HTTP request with undici.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { defineInstrumentation, type InstrumentationContext } from '../../hooks/types';
import { log } from '../../log';
import type { UndiciChannelHandlers } from './client-spans';
import { UNDICI_CHANNELS } from './undici-types';

export const UNDICI_INSTRUMENTATION_ID = 'undici';

function subscribeUndiciChannels(ctx: InstrumentationContext): void {
  let handlers: UndiciChannelHandlers | undefined;
  let loadFailed = false;

  function loadHandlers(): UndiciChannelHandlers | undefined {
    if (handlers !== undefined || loadFailed) return handlers;
    try {
      const { createUndiciChannelHandlers } = require('./client-spans') as typeof import('./client-spans');
      handlers = createUndiciChannelHandlers(ctx);
      log.debug(`${UNDICI_INSTRUMENTATION_ID}: first undici request seen, span handlers loaded`);
    } catch (err) {
      // Never again: a failing require on every request would only repeat the failure.
      loadFailed = true;
      log.errorOnce('OTELI_E_UNDICI_LOAD', 'could not load the undici span handlers', err);
    }
    return handlers;
  }

  // The top-level diagnostics_channel.subscribe(name, fn) holds the channel strongly; a
  // channel(name).subscribe() whose Channel nobody keeps could be garbage collected together with
  // its subscriber (nodejs/node#42170, fully fixed only with nodejs/node#47520).
  // Messages other than `create` can only concern a request we already saw, so they never load.
  diagnosticsChannel.subscribe(UNDICI_CHANNELS.create, (message) => {
    loadHandlers()?.onCreate(message as never);
  });
  diagnosticsChannel.subscribe(UNDICI_CHANNELS.sendHeaders, (message) => {
    handlers?.onSendHeaders(message as never);
  });
  diagnosticsChannel.subscribe(UNDICI_CHANNELS.headers, (message) => {
    handlers?.onHeaders(message as never);
  });
  diagnosticsChannel.subscribe(UNDICI_CHANNELS.trailers, (message) => {
    handlers?.onTrailers(message as never);
  });
  diagnosticsChannel.subscribe(UNDICI_CHANNELS.error, (message) => {
    handlers?.onError(message as never);
  });
  log.debug(`${UNDICI_INSTRUMENTATION_ID}: subscribed to undici:request:* diagnostics channels`);
}

export default defineInstrumentation({
  id: UNDICI_INSTRUMENTATION_ID,
  targets: [],
  start: subscribeUndiciChannels,
});
