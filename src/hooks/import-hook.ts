/**
 * The one import-in-the-middle hook. It only sees modules the ESM loader wrapped, so it is only
 * worth installing once src/hooks/esm-loader.mts registered that loader (ESM_LOADER_FLAG).
 *
 * import-in-the-middle hands us a module namespace. A real ES module is patched through the
 * namespace itself (writes re-bind the app's named imports). For CommonJS modules and builtins,
 * `default` is the CJS exports object: that object is patched (so `require` and `import` share one
 * patched object), then every changed property is copied back onto the namespace so named imports
 * (`import { request } from 'node:http'`) see the patched functions too.
 */
import { sep } from 'node:path';
import type { InstalledHook, OnLoad } from './require-hook';
import { log } from '../log';

export const ESM_LOADER_FLAG = Symbol.for('otel-instrument.esm-loader-registered');
/**
 * While the ESM loader's import-in-the-middle hooks are not loaded yet (the lazy sync path,
 * ./lazy-esm-hooks.ts): what to run when they are. Until then no module is wrapped, so the Hook
 * has nothing to see, and its module (import-in-the-middle's index.js, with node:worker_threads)
 * is ~3 MB of RSS on Node 24 that a process importing none of our modules never needs.
 */
export const ESM_HOOKS_WAITING = Symbol.for('otel-instrument.esm-hooks-waiting');

type Namespace = Record<string, unknown>;

function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** Copy `source`'s changed own properties onto the namespace (it cannot gain new exports). */
export function syncNamespace(ns: Namespace, source: unknown): void {
  if (!isObjectLike(source)) return;
  for (const key of Object.keys(ns)) {
    if (key === 'default' || key === 'module.exports') continue;
    let value: unknown;
    try {
      if (!(key in source)) continue;
      value = (source as Namespace)[key];
      if (ns[key] !== value) ns[key] = value;
    } catch (err) {
      log.debug(`could not copy export "${key}" onto the ES module namespace: ${String(err)}`);
    }
  }
}

function isEsmFormat(format: string | undefined, ns: Namespace): boolean {
  if (format === 'module' || format === 'module-typescript') return true;
  if (format !== undefined) return false; // commonjs, builtin, commonjs-typescript
  // Older wrappers give no format: a CJS namespace always has its exports object as default.
  return !isObjectLike(ns.default);
}

type OnImport = (ns: Namespace, name: string, baseDir: string | undefined, format: string | undefined) => void;

function installHookNow(moduleNames: readonly string[], internals: boolean, onImport: OnImport): InstalledHook | undefined {
  try {
    // Loaded here, not at the top: a CommonJS-only process never pays for it.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Hook } = require('import-in-the-middle') as typeof import('import-in-the-middle');
    const hook = new Hook([...moduleNames], { internals }, (ns, name, baseDir, format) => {
      try {
        onImport(ns, name, baseDir ?? undefined, format);
      } catch (err) {
        // onLoad contains patch errors; this guards the namespace bookkeeping around it.
        log.debug(`import hook for ${name} failed, module left as loaded: ${String(err)}`);
      }
      // Returning undefined: import-in-the-middle would otherwise assign it to `default`.
      return undefined;
    });
    log.debug(`import hook installed for ${moduleNames.join(', ')}${internals ? ' (with internal files)' : ''}`);
    return hook;
  } catch (err) {
    log.errorOnce('OTELI_E_IMPORT_HOOK', 'could not install the import hook; ES modules will not be instrumented', err);
    return undefined;
  }
}

/** The hook, installed once the loader's hooks run (ESM_HOOKS_WAITING), or never if they never do. */
function installHookLater(waiting: Array<() => void>, install: () => InstalledHook | undefined): InstalledHook {
  let unhooked = false;
  let hook: InstalledHook | undefined;
  waiting.push(() => {
    if (!unhooked) hook = install();
  });
  log.debug('import hook waits for the first import of a module we instrument');
  return {
    unhook(): void {
      unhooked = true;
      hook?.unhook();
    },
  };
}

export function installImportHook(
  moduleNames: readonly string[],
  internals: boolean,
  onLoad: OnLoad,
): InstalledHook | undefined {
  if (moduleNames.length === 0) {
    log.debug('import hook not installed: no target modules');
    return undefined;
  }
  const flags = globalThis as Record<symbol, unknown>;
  if (flags[ESM_LOADER_FLAG] !== true) {
    // Also said under --import, whose entry registers the loader after the agent started and then installs this.
    log.debug('import hook not installed: no ESM loader registered yet (without one, ES modules are not instrumented)');
    return undefined;
  }
  const install = (): InstalledHook | undefined => installHookNow(moduleNames, internals, onImport);
  const waiting = flags[ESM_HOOKS_WAITING];
  return Array.isArray(waiting) ? installHookLater(waiting, install) : install();

  function onImport(ns: Namespace, name: string, baseDir: string | undefined, format: string | undefined): void {
    const normalized = sep === '/' ? name : name.split(sep).join('/');
    if (isEsmFormat(format, ns)) {
      const result = onLoad(ns, normalized, baseDir);
      // A namespace cannot be replaced; a replacement's exports are copied onto it.
      if (result !== ns) syncNamespace(ns, result);
      return;
    }
    const exports = ns.default;
    const result = onLoad(exports, normalized, baseDir);
    if (result !== exports) {
      ns.default = result;
      if ('module.exports' in ns) ns['module.exports'] = result;
    }
    syncNamespace(ns, result);
  }
}
