/**
 * fastify 4 and 5: route-named SERVER spans (through the web record; http owns the span) and
 * INTERNAL spans for the handler and each request hook, all through the instance that fastify
 * publishes on the `fastify.initialization` diagnostics channel: nothing of fastify is patched.
 */
import { defineInstrumentation, versionGateOnly } from '../../kit/definition';
import type { FastifySettings } from './spans';

export default defineInstrumentation<FastifySettings>({
  id: 'fastify',
  library: '`fastify` 4 and 5: `http.route` and the SERVER span name from the route, with every plugin prefix; INTERNAL spans for the handler and each request hook (`@fastify/*` plugins\' hooks too)',
  // The main entry gates the version (fastify 3: one warning) and is what bootstrap reports;
  // the instance arrives through the channel.
  targets: [{ module: 'fastify', versions: '>=4 <6', load: versionGateOnly }],
  channels: {
    load: (ctx) => (require('./instance') as typeof import('./instance')).createFastifyHandlers(ctx),
    on: [{ channel: 'fastify.initialization', handler: 'onInitialization', loads: true }],
  },
  settings: (config) => ({ internalSpans: config.frameworks.fastifyInternalSpans }),
  yieldsTo: ['@opentelemetry/instrumentation-fastify', '@fastify/otel', 'dd-trace', 'elastic-apm-node'],
});
