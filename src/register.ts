/**
 * `node --require otel-instrument/register app.js`: the CommonJS preload (CJS apps only; ESM
 * imports need the --import entry, register.mts). Never throws into the app.
 *
 * It loads the preload's bundle (one file built from ./agent/preload.ts and what it requires,
 * scripts/bundle-preload.mjs), not tsc's files: the start-up cost is in loading many files.
 */
try {
  (require('./agent/preload.bundle.js') as typeof import('./agent/preload')).preloadFromRequire();
} catch (err) {
  try {
    (require('./agent/gate') as typeof import('./agent/gate')).reportStartFailure(err);
  } catch {
    // our own files are unreadable: nothing left to report with
  }
}
