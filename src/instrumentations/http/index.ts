/**
 * `http` / `https` builtins: SERVER spans for incoming requests, CLIENT spans for outgoing ones.
 * The patch code loads only when the app first loads one of them; the client's response and
 * error channels (Node's own) load the same code on their first message.
 */
import { defineInstrumentation } from '../../kit/definition';
import { compileHttpSettings, type HttpSettings } from './settings';

export default defineInstrumentation<HttpSettings>({
  id: 'http',
  library:
    '`node:http`, `node:https`: servers and `request` / `get`, however they are loaded (`require`, `node:` prefix, default/named/namespace `import`, `process.getBuiltinModule`); axios, got, node-fetch, superagent get one CLIENT span per request',
  targets: [
    { module: 'http', versions: '*', load: () => require('./patch').patchHttp },
    { module: 'https', versions: '*', load: () => require('./patch').patchHttps },
  ],
  channels: {
    load: () => (require('./client') as typeof import('./client')).clientChannelHandlers,
    on: [
      { channel: 'http.client.response.finish', handler: 'onResponse', loads: true },
      // Published since Node 20.? / 22.?; on older Node onClientRequestClose reports `_OTHER`.
      { channel: 'http.client.request.error', handler: 'onError', loads: true },
    ],
  },
  settings: compileHttpSettings,
  yieldsTo: ['@opentelemetry/instrumentation-http', 'dd-trace', 'elastic-apm-node'],
});
