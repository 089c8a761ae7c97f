/**
 * `node --import otel-instrument/register app.mjs` (and what the CLI puts in NODE_OPTIONS): the
 * preload for ESM and CJS apps alike. It starts the agent (shared with the --require entry,
 * ./agent/preload.ts, loaded as its one-file bundle as register.ts does), then registers the ESM
 * loader for the modules we instrument and waits for it before the app's first import. Never throws.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

try {
  const { loadPreloadBundle } = require('./agent/bundle-cache.js') as typeof import('./agent/bundle-cache.js');
  const { preloadFromImport, registerEsmLoaderInThread } = loadPreloadBundle();
  // The in-thread path from the bundle where it applies; esm-loader.mjs (an ES module import) otherwise.
  await preloadFromImport(async (include) => registerEsmLoaderInThread(include) || (await import('./hooks/esm-loader.mjs')).registerEsmLoader(include));
} catch (err) {
  try {
    (require('./agent/gate.js') as typeof import('./agent/gate.js')).reportStartFailure(err);
  } catch {
    // our own files are unreadable: nothing left to report with
  }
}
