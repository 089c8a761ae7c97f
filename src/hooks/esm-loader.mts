/**
 * Run by the --import preload before the app: registers import-in-the-middle's loader, limited to
 * the modules we instrument, so every other ES module loads untouched.
 *
 * The loader is resolved from this package, not from the app: the agent may be installed apart
 * from the app, and the loader's wrappers must talk to the same import-in-the-middle copy whose
 * `Hook` src/hooks/import-hook.ts installs.
 *
 * `module.register()` runs the loader's `initialize` (which applies `data.include`) before it
 * returns, so the include list is acknowledged once the call is back; the promise keeps room for a
 * `module.registerHooks()` path (Node ≥ 22.15) or a message-channel handshake without changing callers.
 */
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { log } from '../log.js';
import { ESM_LOADER_FLAG } from './import-hook.js';

const flags = globalThis as Record<symbol, unknown>;

/** Never throws: on failure one error line is printed and the app runs with ES modules uninstrumented. */
export async function registerEsmLoader(include: ReadonlyArray<string | RegExp>): Promise<void> {
  try {
    if (flags[ESM_LOADER_FLAG] === true) {
      log.debug('ESM loader already registered; not registering again');
      return;
    }
    if (include.length === 0) {
      log.debug('ESM loader not registered: no target modules');
      return;
    }
    const register = (nodeModule as { register?: typeof nodeModule.register }).register;
    if (typeof register !== 'function') {
      log.warnOnce('OTELI_W_NO_ESM_LOADER', `module.register() does not exist in Node.js ${process.version}; ES modules will not be instrumented`);
      return;
    }
    const require = nodeModule.createRequire(import.meta.url);
    const hookUrl = pathToFileURL(require.resolve('import-in-the-middle/hook.mjs')).href;
    register(hookUrl, import.meta.url, { data: { include: [...include] } });
    flags[ESM_LOADER_FLAG] = true;
    log.debug(`ESM loader registered (${hookUrl}) for ${include.map(String).join(', ')}`);
  } catch (err) {
    log.errorOnce('OTELI_E_ESM_LOADER', 'could not register the ESM loader; ES modules will not be instrumented', err);
  }
}
