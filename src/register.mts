/**
 * `node --import otel-instrument/register app.mjs` (and what the CLI puts in NODE_OPTIONS): the
 * preload for ESM and CJS apps alike. It registers the ESM loader for the modules we instrument
 * and waits for it before the app's first import, then starts the agent (shared with the
 * --require entry through a global guard, so both together start one agent). Never throws.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

try {
  // Before anything else, and also in processes we do not trace (a package manager run by the CLI).
  (require('./signal-report.js') as typeof import('./signal-report.js')).startSignalReport();
  const gate = require('./preload-gate.js') as typeof import('./preload-gate.js');
  const state = gate.agentState();
  if (gate.skipReason() === undefined) {
    const { readConfig } = require('./config/index.js') as typeof import('./config/index.js');
    const config = readConfig();
    if (!config.sdkDisabled && !state.esmLoaderRegistered) {
      state.esmLoaderRegistered = true;
      const { INSTRUMENTATIONS } = require('./instrumentations/index.js') as typeof import('./instrumentations/index.js');
      const { selectDefinitions, loaderIncludeList } = require('./hooks/select.js') as typeof import('./hooks/select.js');
      const { registerEsmLoader } = await import('./hooks/esm-loader.mjs');
      // Only the enabled instrumentations' modules go through the loader; every other ES module
      // loads untouched.
      await registerEsmLoader(loaderIncludeList(selectDefinitions(INSTRUMENTATIONS, config)));
    }
    if (!state.started) {
      state.started = true;
      // With the SDK disabled the app pays for reading the config only, not for loading the SDK.
      if (!config.sdkDisabled) (require('./agent.js') as typeof import('./agent.js')).startAgent(config);
    }
  }
} catch (err) {
  try {
    (require('./preload-gate.js') as typeof import('./preload-gate.js')).reportStartFailure(err);
  } catch {
    // our own files are unreadable: nothing left to report with
  }
}
