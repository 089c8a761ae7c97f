/**
 * `node --require otel-instrument/register app.js`: the CommonJS preload (CJS apps only; ESM
 * imports need the --import entry, register.mts). Never throws into the app.
 *
 * It loads the preload's bundle (one file built from ./agent/preload.ts and what it requires,
 * scripts/bundle-preload.mjs) through its code cache (./agent/bundle-cache.ts), not tsc's files:
 * the start-up cost is in loading and compiling many files.
 */
try {
  (require('./agent/bundle-cache') as typeof import('./agent/bundle-cache')).loadPreloadBundle().preloadFromRequire();
} catch (err) {
  try {
    (require('./agent/gate') as typeof import('./agent/gate')).reportStartFailure(err);
  } catch {
    // our own files are unreadable: nothing left to report with
  }
}
