/**
 * One idempotent, phased start for both preload entries (../register.ts for --require,
 * ../register.mts for --import), whichever runs first and however often:
 *
 *   signal report ─▶ gate (skip npm, workers, our CLI) ─▶ config (once) ─▶ agent: SDK + hooks (once)
 *                                                                       ─▶ ESM loader (import entry only, once)
 *                                                                       ─▶ import hook, as soon as both exist
 *
 * Either entry starts the agent before any loader exists; the import entry then registers the
 * loader and installs the import hook into the running agent, so an ES module's
 * `import http from 'node:http'` is patched all the same. On a Node.js older than 20.6 the gate
 * prints one line and nothing else starts. Never throws.
 */
import { startupWrites } from '../log';
import type { Config } from '../config/types';
import { agentState, reportStartFailure, skipReason } from './gate';
import { unsupportedNodeMessage } from '../node-support';
import { startSignalReport } from './signal-report';

/**
 * True when this Node.js is too old: one line on stderr (written here, before our logger or config
 * load, because those may be what fails on it), once per process.
 */
function refuseOldNode(): boolean {
  const message = unsupportedNodeMessage();
  if (message === undefined) return false;
  const state = agentState();
  if (!state.started) process.stderr.write(`[otel-instrument] ${message}\n`);
  state.started = true;
  return true;
}

function configOnce(): Config {
  const state = agentState();
  state.config ??= (require('../config') as typeof import('../config')).readConfig();
  return state.config;
}

function startAgentOnce(config: Config): void {
  const state = agentState();
  if (state.started) return;
  state.started = true;
  // Loaded only now: a skipped process (npm, a worker) or a disabled SDK pays for the gate and
  // the config read alone.
  if (config.sdkDisabled) return;
  startupWrites(true);
  try {
    (require('./start') as typeof import('./start')).startAgent(config);
  } finally {
    startupWrites(false);
  }
}

/** `--require otel-instrument/register`: CommonJS apps; the ESM loader cannot be awaited here. */
export function preloadFromRequire(): void {
  try {
    // Before anything else, and also in processes we do not trace (a package manager run by the CLI).
    startSignalReport();
    if (skipReason() !== undefined || refuseOldNode()) return;
    startAgentOnce(configOnce());
  } catch (err) {
    reportStartFailure(err);
  }
}

/**
 * For the --import entry: registers the ESM loader on the in-thread (module.registerHooks()) path
 * from this bundle when that path applies (true), so that no ES module of ours is loaded; false
 * leaves it to hooks/esm-loader.mjs. Never throws.
 */
export function registerEsmLoaderInThread(include: ReadonlyArray<string | RegExp>): boolean {
  return (require('../hooks/sync-esm-loader') as typeof import('../hooks/sync-esm-loader')).registerEsmLoaderInThread(include);
}

/**
 * `--import otel-instrument/register`: starts, then registers the ESM loader and waits for it.
 *
 * In that order because the agent's own require()s (@opentelemetry/api's ~45 files, the
 * builtins) then run before any loader hook exists: under module.registerHooks() each CommonJS
 * file costs more to load (on Node 24, @opentelemetry/api takes 11.9 MB of RSS instead of 5.6),
 * and under module.register() each is a round trip to the loader thread. It is the order of
 * `--require` and `--import` together, so the agent already supports it (installImportHookIfReady).
 */
export async function preloadFromImport(registerEsmLoader: (include: Array<string | RegExp>) => Promise<unknown>): Promise<void> {
  try {
    startSignalReport();
    if (skipReason() !== undefined || refuseOldNode()) return;
    const config = configOnce();
    const state = agentState();
    startAgentOnce(config);
    if (!config.sdkDisabled && !state.esmLoaderRegistered) {
      state.esmLoaderRegistered = true;
      const { INSTRUMENTATIONS } = require('../instrumentations') as typeof import('../instrumentations');
      const { loaderIncludeList, selectDefinitions } = require('../hooks/select') as typeof import('../hooks/select');
      const { WATCHERS } = require('./watchers') as typeof import('./watchers');
      // Only the enabled instrumentations' and the watchers' modules go through the loader;
      // every other ES module loads untouched.
      await registerEsmLoader(loaderIncludeList(selectDefinitions(INSTRUMENTATIONS, config), WATCHERS.map((w) => w.module)));
    }
    if (!config.sdkDisabled) (require('../hooks/install') as typeof import('../hooks/install')).installImportHookIfReady();
  } catch (err) {
    reportStartFailure(err);
  }
}
