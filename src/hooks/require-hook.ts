/**
 * The one require-in-the-middle hook: limited to the modules we instrument, with internals only
 * when some target names a file inside its package.
 */
import { isModuleNamespaceObject } from 'node:util/types';
import { Hook } from 'require-in-the-middle';
import { sep } from 'node:path';
import { log } from '../log';

/** Gets a loaded module's exports and returns the exports to hand to the app. */
export type OnLoad = (exports: unknown, name: string, basedir: string | undefined) => unknown;

export interface InstalledHook {
  unhook(): void;
}

/**
 * `name` is the package name, the builtin name ('http' for 'node:http' too), or with internals
 * '<package>/<file relative to the package root>' ('/'-separated on every platform).
 */
export function installRequireHook(
  moduleNames: readonly string[],
  internals: boolean,
  onLoad: OnLoad,
): InstalledHook | undefined {
  if (moduleNames.length === 0) {
    log.debug('require hook not installed: no target modules');
    return undefined;
  }
  try {
    const hook = new Hook([...moduleNames], { internals }, (exports, name, basedir) => {
      const normalized = sep === '/' ? name : name.split(sep).join('/');
      if (isModuleNamespaceObject(exports)) {
        // Node >= 22.12 lets CJS require() an ES module and hands us its namespace, which is
        // immutable: no patch can apply, so say so instead of reporting a failed patch.
        log.debug(`${normalized}: loaded with require() of an ES module; its namespace cannot be patched from the require hook`);
        return exports;
      }
      return onLoad(exports, normalized, basedir) as typeof exports;
    });
    log.debug(`require hook installed for ${moduleNames.join(', ')}${internals ? ' (with internal files)' : ''}`);
    return hook;
  } catch (err) {
    log.errorOnce('OTELI_E_REQUIRE_HOOK', 'could not install the require hook; CommonJS modules will not be instrumented', err);
    return undefined;
  }
}
