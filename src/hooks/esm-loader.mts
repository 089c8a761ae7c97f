/**
 * Run by the --import preload before the app: registers import-in-the-middle's loader, limited to
 * the modules we instrument, so every other ES module loads untouched.
 *
 * Two ways to register it, chosen at run time:
 * - `sync`: `module.registerHooks()` (in-thread hooks) with import-in-the-middle's hooks, loaded
 *   only when the first module they would wrap is resolved (./lazy-esm-hooks.ts): a process that
 *   imports none of our modules never pays their ~10 MB. Used where iitm's `supportsSyncHooks()` says the running Node.js can
 *   (>= 22.22.3, >= 24.11.1, >= 25.1; earlier 22.15+/24.x have `registerHooks` but reject the
 *   nullish CommonJS source the loader returns, nodejs/node#59929). No loader thread to start and
 *   no cross-thread round trip per resolved module. On Node 24 it adds 45 ms to the start of a
 *   60-module ES app where module.register() adds 127 ms, and 49 ms against 536 ms at 2000
 *   modules; CommonJS apps gain less (40 vs 71 ms), never lose (bench/hooks-startup.mjs).
 * - `async`: `module.register()` (hooks on the loader thread), everywhere else (Node 20, older 22/24).
 *   It runs the loader's `initialize` (which applies `data.include`) before it returns, so the
 *   include list is acknowledged once the call is back.
 *
 * The loader is resolved from this package, not from the app: the agent may be installed apart
 * from the app, and the loader's wrappers must talk to the same import-in-the-middle copy whose
 * `Hook` src/hooks/import-hook.ts installs.
 */
import * as nodeModule from 'node:module';
import { log } from '../log.js';
import { ESM_LOADER_FLAG } from './import-hook.js';
import { iitmUrl, noteEsmLoaderRegistered, registerEsmLoaderInThread, type EsmLoaderPath } from './sync-esm-loader.js';

export { ESM_HOOKS_LOADED_BY, ESM_LOADER_PATH, type EsmLoaderPath } from './sync-esm-loader.js';

/** `auto` picks `sync` where it works; the others force a path (tests and the benchmark). */
export type EsmLoaderMode = 'auto' | 'sync' | 'async';

export interface RegisterEsmLoaderOptions {
  readonly mode?: EsmLoaderMode;
}

type Include = Array<string | RegExp>;
interface SyncHooksModule {
  register(options: { include: Include }): void;
}
interface SupportsModule {
  supportsSyncHooks(): boolean;
}

const flags = globalThis as Record<symbol, unknown>;

/** Why the sync path cannot be used here, or undefined when it can. */
async function syncUnavailable(): Promise<string | undefined> {
  if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') {
    return `module.registerHooks() does not exist in Node.js ${process.version}`;
  }
  let supports: SupportsModule;
  try {
    // Import-free module: deciding costs nothing when the answer is no.
    supports = (await import(iitmUrl('supports-sync-hooks.mjs'))) as SupportsModule;
  } catch {
    return 'this import-in-the-middle has no synchronous hooks (needs >= 3.6)';
  }
  if (!supports.supportsSyncHooks()) {
    return `import-in-the-middle's synchronous hooks do not support Node.js ${process.version} (nodejs/node#59929)`;
  }
  return undefined;
}

/** import-in-the-middle's hooks as they are: loaded now, registered by its register-hooks.mjs. */
async function registerSyncNow(include: Include): Promise<void> {
  const hooks = (await import(iitmUrl('register-hooks.mjs'))) as SyncHooksModule;
  hooks.register({ include });
}

function registerAsync(include: Include): boolean {
  const register = (nodeModule as { register?: typeof nodeModule.register }).register;
  if (typeof register !== 'function') {
    log.warnOnce('OTELI_W_NO_ESM_LOADER', `module.register() does not exist in Node.js ${process.version}; ES modules will not be instrumented`);
    return false;
  }
  register(iitmUrl('hook.mjs'), import.meta.url, { data: { include } });
  return true;
}

/**
 * Never throws: on failure one error line is printed and the app runs with ES modules
 * uninstrumented. Resolves to the path used, or undefined when no loader was registered.
 */
export async function registerEsmLoader(
  include: ReadonlyArray<string | RegExp>,
  options: RegisterEsmLoaderOptions = {},
): Promise<EsmLoaderPath | undefined> {
  try {
    if (flags[ESM_LOADER_FLAG] === true) {
      log.debug('ESM loader already registered; not registering again');
      return undefined;
    }
    if (include.length === 0) {
      log.debug('ESM loader not registered: no target modules');
      return undefined;
    }
    const mode = options.mode ?? 'auto';
    // The common case, as the bundle registers it: in-thread, import-in-the-middle loaded lazily.
    if (mode !== 'async' && registerEsmLoaderInThread(include)) return 'sync';
    let path: EsmLoaderPath = 'async';
    if (mode !== 'async') {
      const reason = await syncUnavailable();
      if (reason === undefined) path = 'sync';
      else if (mode === 'sync') log.warnOnce('OTELI_W_NO_SYNC_HOOKS', `${reason}; using module.register() instead`);
      else log.debug(`ESM loader on module.register(): ${reason}`);
    }
    if (path === 'sync') {
      try {
        // Left here: require() cannot load ES modules (--no-experimental-require-module), so
        // import-in-the-middle's hooks are imported now rather than lazily.
        await registerSyncNow([...include]);
      } catch (err) {
        // Before module.registerHooks() is reached (a broken iitm install): the async path still works.
        log.debug(`module.registerHooks() path failed, using module.register(): ${String(err)}`);
        path = 'async';
      }
    }
    if (path === 'async' && !registerAsync([...include])) return undefined;
    noteEsmLoaderRegistered(path, include, false);
    return path;
  } catch (err) {
    log.errorOnce('OTELI_E_ESM_LOADER', 'could not register the ESM loader; ES modules will not be instrumented', err);
    return undefined;
  }
}
