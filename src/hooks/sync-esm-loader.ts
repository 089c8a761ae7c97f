/**
 * The `sync` ESM loader path (module.registerHooks(), see ./esm-loader.mts for both paths) in
 * CommonJS, so that the preload's bundle registers it without loading an ES module of ours:
 * importing esm-loader.mjs and the files it imports (log, import-hook, the lazy hooks, each a
 * module of its own beside the bundle's copy) cost 5 ms of a 45 ms start on Node 24.
 *
 * registerEsmLoaderInThread() takes the common case: Node.js has module.registerHooks(),
 * require() can load ES modules, and import-in-the-middle says its synchronous hooks work here.
 * Anything else (Node 20's loader thread, `--no-experimental-require-module`, a forced mode)
 * is left to esm-loader.mjs, which the --import entry then imports.
 */
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { log } from '../log';
import { ESM_HOOKS_WAITING, ESM_LOADER_FLAG } from './import-hook';
import { registerLazySyncHooks } from './lazy-esm-hooks';

export type EsmLoaderPath = 'sync' | 'async';
type Include = Array<string | RegExp>;

const flags = globalThis as Record<symbol, unknown>;
/** Which path registered the loader in this thread (for tests and `--log_level debug`). */
export const ESM_LOADER_PATH = Symbol.for('otel-instrument.esm-loader-path');
/** On the sync path, the specifier whose import loaded import-in-the-middle's hooks, once one did. */
export const ESM_HOOKS_LOADED_BY = Symbol.for('otel-instrument.esm-hooks-loaded-by');

/** A file of the import-in-the-middle this package depends on, as a URL. */
export function iitmUrl(file: string): string {
  return pathToFileURL(require.resolve(`import-in-the-middle/${file}`)).href;
}

/** Registers import-in-the-middle's hooks to load on the first import they would wrap (./lazy-esm-hooks.ts). */
function registerSyncLazily(include: Include, createHookPath: string): void {
  // The other two files are where import-in-the-middle itself finds them, register-hooks.mjs
  // beside create-hook.mjs (which it imports as ./create-hook.mjs), and lib/register.js as its
  // create-hook.mjs computes it, `new URL('lib/register.js', meta.url)` of register-hooks.mjs.
  const registerHooksUrl = new URL('register-hooks.mjs', pathToFileURL(createHookPath)).href;
  const waiting: Array<() => void> = [];
  flags[ESM_HOOKS_WAITING] = waiting;
  registerLazySyncHooks(
    include,
    {
      createHookPath,
      registerHooksUrl,
      registerJsUrl: new URL('lib/register.js', registerHooksUrl).href,
    },
    {
      onLoaded(specifier, url, ms) {
        flags[ESM_HOOKS_LOADED_BY] = specifier;
        log.debug(`import-in-the-middle's hooks loaded for the import of ${specifier}${url === undefined ? '' : ` (${url})`}, in ${ms.toFixed(1)} ms`);
        // The import hook (./import-hook.ts), before the first module is wrapped.
        delete flags[ESM_HOOKS_WAITING];
        for (const run of waiting) run();
      },
      onLoadFailed(err) {
        log.errorOnce('OTELI_E_ESM_LOADER', "could not load import-in-the-middle's hooks; ES modules will not be instrumented", err);
      },
    },
  );
}

/** What both entries record once a loader is registered. */
export function noteEsmLoaderRegistered(path: EsmLoaderPath, include: ReadonlyArray<string | RegExp>, lazy: boolean): void {
  flags[ESM_LOADER_FLAG] = true;
  flags[ESM_LOADER_PATH] = path;
  log.debug(`ESM loader registered with ${path === 'sync' ? 'module.registerHooks()' : 'module.register()'} for ${include.map(String).join(', ')}`);
  if (lazy) log.debug("import-in-the-middle's hooks load when the first of those modules is imported");
}

interface SupportsModule {
  supportsSyncHooks(): boolean;
}

/**
 * The lazy sync path registered from CommonJS, when it applies here (true); false leaves the
 * other paths to esm-loader.mjs's registerEsmLoader (which tries this first), nothing done.
 * Never throws.
 */
export function registerEsmLoaderInThread(include: ReadonlyArray<string | RegExp>): boolean {
  try {
    if (flags[ESM_LOADER_FLAG] === true || include.length === 0) return false;
    if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') return false;
    if ((process.features as { require_module?: boolean }).require_module !== true) return false;
    // One resolution for the files of import-in-the-middle this needs, not one each (a lookup
    // through the node_modules folders and a realpath, 0.3-0.4 ms of every start on Node 24):
    // they sit side by side at its package root, which maps no subpaths ("exports").
    const createHookPath = require.resolve('import-in-the-middle/create-hook.mjs');
    // An import-free ES module of import-in-the-middle's: require() loads it synchronously.
    const supports = require(path.join(path.dirname(createHookPath), 'supports-sync-hooks.mjs')) as SupportsModule;
    if (typeof supports.supportsSyncHooks !== 'function' || !supports.supportsSyncHooks()) return false;
    registerSyncLazily([...include], createHookPath);
    noteEsmLoaderRegistered('sync', include, true);
    return true;
  } catch (err) {
    log.debug(`in-thread ESM loader not registered, trying the other paths: ${String(err)}`);
    return false;
  }
}
