/**
 * Global `fetch` (Node's bundled undici) and the `undici` package, traced through the
 * `undici:request:*` diagnostics channels both publish: nothing is patched, so there is no module
 * to hook (`targets: []`) and a fetch made before any import of ours is traced all the same.
 *
 * The id is `undici`, the name @opentelemetry/auto-instrumentations-node uses for the same
 * instrumentation, so OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici carries over unchanged; it
 * covers global fetch too, since that is undici.
 *
 * The span code (client-spans.ts and the http-shared helpers) loads on the first
 * `undici:request:create`, i.e. only in processes that make an HTTP request with undici.
 */
import { defineInstrumentation } from '../../kit/definition';
import { compileHttpSettings, type HttpSettings } from '../http/settings';
import { UNDICI_CHANNELS } from './undici-types';

export const UNDICI_INSTRUMENTATION_ID = 'undici';

export default defineInstrumentation<HttpSettings>({
  id: UNDICI_INSTRUMENTATION_ID,
  library: 'global `fetch` (Node\'s bundled undici) and the `undici` package',
  targets: [],
  channels: {
    load: (ctx) => (require('./client-spans') as typeof import('./client-spans')).createUndiciChannelHandlers(ctx),
    // Messages other than `create` can only concern a request already seen, so they never load.
    on: [
      { channel: UNDICI_CHANNELS.create, handler: 'onCreate', loads: true },
      { channel: UNDICI_CHANNELS.sendHeaders, handler: 'onSendHeaders' },
      { channel: UNDICI_CHANNELS.headers, handler: 'onHeaders' },
      { channel: UNDICI_CHANNELS.trailers, handler: 'onTrailers' },
      { channel: UNDICI_CHANNELS.error, handler: 'onError' },
    ],
  },
  settings: compileHttpSettings,
  yieldsTo: ['@opentelemetry/instrumentation-undici', 'dd-trace', 'elastic-apm-node'],
});
