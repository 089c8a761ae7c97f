/**
 * express 4 and 5: route-named SERVER spans (through the web record; http owns the span) and
 * INTERNAL spans for middleware, routers and route handlers. Express 5 routes with the `router`
 * 2.x package, which is patched instead of express itself. Express 4 before 4.6 had no
 * Layer#handle_request to follow and is not supported.
 */
import { defineInstrumentation, lazyPatches, versionGateOnly } from '../../kit/definition';
import type { ExpressSettings } from './layers';

const load = lazyPatches(() => require('./patch') as typeof import('./patch'));

export default defineInstrumentation<ExpressSettings>({
  id: 'express',
  library: '`express` 4 and 5 (and the `router` package express 5 routes with): `http.route` and the SERVER span name from the matched route template through every mount point; INTERNAL spans for middleware, routers and route handlers',
  targets: [
    // The main entry gates the version (express 3, or 4.0–4.5: one warning) and is what bootstrap reports.
    { module: 'express', versions: '>=4.6.0 <6', load: versionGateOnly },
    { module: 'express', versions: '>=4.6.0 <5', file: 'lib/router/index.js', load: load('patchExpress4Router') },
    { module: 'express', versions: '>=4.6.0 <5', file: 'lib/router/layer.js', load: load('patchExpress4Layer') },
    { module: 'router', versions: '>=2 <3', load: load('patchRouter2') },
    { module: 'router', versions: '>=2 <3', file: 'lib/layer.js', load: load('patchRouter2Layer') },
  ],
  settings: (config) => ({ internalSpans: config.frameworks.expressInternalSpans }),
  yieldsTo: ['@opentelemetry/instrumentation-express', 'dd-trace', 'elastic-apm-node'],
});
