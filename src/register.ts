/**
 * `node --require otel-instrument/register app.js`: the CommonJS preload (CJS apps only; ESM
 * imports need the --import entry, register.mts). Never throws into the app.
 */
import { agentState, reportStartFailure, skipReason } from './preload-gate';
import { startSignalReport } from './signal-report';

try {
  // Before anything else, and also in processes we do not trace (a package manager run by the CLI).
  startSignalReport();
  const state = agentState();
  if (!state.started && skipReason() === undefined) {
    state.started = true;
    // A --require preload cannot await the ESM loader's registration, so CJS apps only here.
    // Required lazily so a skipped process (npm, a worker) or a disabled SDK pays for nothing
    // but the gate and the config read.
    const config = (require('./config') as typeof import('./config')).readConfig();
    if (!config.sdkDisabled) (require('./agent') as typeof import('./agent')).startAgent(config);
  }
} catch (err) {
  reportStartFailure(err);
}
