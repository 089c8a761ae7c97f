/**
 * `node --require otel-instrument/register app.js`: the CommonJS preload (CJS apps only; ESM
 * imports need the --import entry, register.mts). Never throws into the app.
 */
try {
  (require('./agent/preload') as typeof import('./agent/preload')).preloadFromRequire();
} catch (err) {
  try {
    (require('./agent/gate') as typeof import('./agent/gate')).reportStartFailure(err);
  } catch {
    // our own files are unreadable: nothing left to report with
  }
}
