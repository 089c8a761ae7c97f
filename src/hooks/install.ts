/**
 * Installs the hook layer: picks the enabled definitions, starts the channel-based ones, and puts
 * ONE require hook and ONE import hook on exactly the modules the definitions target. When such a
 * module loads, its version is checked against the target's range, the patch is loaded (only now)
 * and applied once per exports object, and a throwing patch is undone and logged.
 */
import { syncBuiltinESMExports } from 'node:module';
import type { Config } from '../config/types';
import type { InstrumentationContext, InstrumentationDefinition, PatchFunction, PatchTarget } from './types';
import { builtinName, hookGetBuiltinModule } from './builtin';
import { installImportHook } from './import-hook';
import { packageVersion } from './package-version';
import { installRequireHook } from './require-hook';
import { selectDefinitions, targetFileName, targetModuleName, targetModuleNames } from './select';
import { satisfies } from './semver';
import { reportOnce, withUndoJournal } from './wrap';
import { log } from '../log';

interface Entry {
  readonly def: InstrumentationDefinition;
  readonly target: PatchTarget;
  readonly file: string | undefined;
  patch?: PatchFunction;
  loadFailed?: boolean;
}

export interface PatchedModule {
  readonly id: string;
  readonly module: string;
  readonly file?: string;
  /** undefined for builtins. */
  readonly version: string | undefined;
}

const entriesByModule = new Map<string, Entry[]>();
/** Exports object as loaded → exports handed out after our patches (the same object when in place). */
const handled = new WeakMap<object, unknown>();
const patched: PatchedModule[] = [];
const contexts = new Map<string, InstrumentationContext>();
let makeContextFn: ((id: string) => InstrumentationContext) | undefined;
let installed = false;

/** What was patched so far, in order (for `bootstrap` and debugging). */
export function getPatchedModules(): PatchedModule[] {
  return patched.map((p) => ({ ...p }));
}

function contextFor(id: string): InstrumentationContext {
  let ctx = contexts.get(id);
  if (ctx === undefined) {
    ctx = makeContextFn!(id);
    contexts.set(id, ctx);
  }
  return ctx;
}

/** Split a hook name into its target module and file ('pg/lib/client.js' → 'pg', 'lib/client.js'). */
function resolveName(name: string): { module: string; file: string | undefined } | undefined {
  const builtin = builtinName(name);
  if (builtin !== undefined && entriesByModule.has(builtin)) return { module: builtin, file: undefined };
  if (entriesByModule.has(name)) return { module: name, file: undefined };
  for (const module of entriesByModule.keys()) {
    if (name.startsWith(`${module}/`)) return { module, file: name.slice(module.length + 1) };
  }
  return undefined;
}

function inRange(entry: Entry, version: string | undefined, builtin: boolean): boolean {
  const range = entry.target.versions;
  if (range.trim() === '*' || range.trim() === '') return true;
  // A builtin's range, when not '*', is read as a range of Node.js versions.
  const checked = builtin ? process.versions.node : version;
  return checked !== undefined && satisfies(checked, range);
}

function applyEntry(entry: Entry, exports: unknown, version: string | undefined, where: string): unknown {
  const { def, target } = entry;
  if (entry.loadFailed) {
    log.debug(`${def.id}: ${where} not patched: its patch failed to load earlier`);
    return exports;
  }
  try {
    entry.patch ??= target.load();
    if (typeof entry.patch !== 'function') throw new TypeError(`load() returned ${typeof entry.patch}, not a function`);
  } catch (err) {
    entry.loadFailed = true;
    reportOnce('OTELI_E_PATCH_FAILED', `${def.id}: loading the patch for ${where}`, err);
    return exports;
  }
  const patch = entry.patch;
  try {
    const result = withUndoJournal(() => patch(exports, contextFor(def.id), version));
    log.debug(`${def.id}: patched ${where}`);
    patched.push({ id: def.id, module: targetModuleName(target.module), file: entry.file, version });
    return result === undefined ? exports : result;
  } catch (err) {
    reportOnce('OTELI_E_PATCH_FAILED', `${def.id}: patching ${where} threw; the module is left unpatched`, err);
    return exports;
  }
}

/** Called by every hook when a target module (or target file) loads. Never throws. */
function onModuleLoad(exports: unknown, name: string, basedir: string | undefined): unknown {
  try {
    const resolved = resolveName(name);
    if (resolved === undefined) {
      log.debug(`hook saw ${name}, which no instrumentation targets; left as is`);
      return exports;
    }
    const entries = entriesByModule.get(resolved.module)!.filter((e) => e.file === resolved.file);
    if (entries.length === 0) {
      log.debug(`no instrumentation targets ${name}; left as is`);
      return exports;
    }
    if ((typeof exports !== 'object' || exports === null) && typeof exports !== 'function') {
      log.debug(`${name} exports a ${exports === null ? 'null' : typeof exports}, which cannot be patched`);
      return exports;
    }
    if (handled.has(exports)) {
      log.debug(`${name} already handled (loaded again, by another path or another loader)`);
      return handled.get(exports);
    }
    const builtin = basedir === undefined && builtinName(resolved.module) !== undefined;
    const version = builtin ? undefined : packageVersion(basedir);
    const where = `${name}${version === undefined ? '' : `@${version}`}${basedir ? ` (${basedir})` : ''}`;

    let current: unknown = exports;
    for (const entry of entries) {
      if (!inRange(entry, version, builtin)) {
        log.warnOnce(
          'OTELI_W_UNSUPPORTED_VERSION',
          `${entry.def.id}: ${resolved.module} version ${version ?? 'unknown'} is outside the supported range "${entry.target.versions}"; not instrumented${basedir ? ` (${basedir})` : ''}`,
        );
        continue;
      }
      current = applyEntry(entry, current, version, where);
    }
    handled.set(exports, current);
    if (current !== exports && ((typeof current === 'object' && current !== null) || typeof current === 'function')) {
      handled.set(current, current);
    }
    if (builtin) {
      // ESM named bindings of builtins not wrapped by the loader follow the patched CJS object.
      syncBuiltinESMExports();
    }
    return current;
  } catch (err) {
    reportOnce('OTELI_E_HOOK_FAILED', `handling the load of ${name}`, err);
    return exports;
  }
}

/**
 * Install the hooks for the enabled definitions. Call once, after the ESM loader (if any) is
 * registered; a second call is ignored.
 */
export function installHooks(
  definitions: readonly InstrumentationDefinition[],
  makeContext: (id: string) => InstrumentationContext,
  config: Config,
): void {
  if (installed) {
    log.debug('hooks already installed; ignoring the second call');
    return;
  }
  installed = true;
  makeContextFn = makeContext;
  try {
    install(definitions, config);
  } catch (err) {
    // The preload never throws into the app: whatever got installed stays, the rest is skipped.
    reportOnce('OTELI_E_HOOKS_INSTALL', 'installing the instrumentation hooks', err);
  }
}

function install(definitions: readonly InstrumentationDefinition[], config: Config): void {
  const selected = selectDefinitions(definitions, config);

  let internals = false;
  for (const def of selected) {
    for (const target of def.targets) {
      const module = targetModuleName(target.module);
      const file = targetFileName(target.file);
      if (file !== undefined) internals = true;
      let list = entriesByModule.get(module);
      if (list === undefined) entriesByModule.set(module, (list = []));
      list.push({ def, target, file });
    }
  }

  for (const def of selected) {
    if (def.start === undefined) continue;
    try {
      def.start(contextFor(def.id));
      log.debug(`${def.id}: started`);
    } catch (err) {
      reportOnce('OTELI_E_START_FAILED', `${def.id}: start() threw; instrumentation not started`, err);
    }
  }

  const names = targetModuleNames(selected);
  installRequireHook(names, internals, onModuleLoad);
  installImportHook(names, internals, onModuleLoad);
  const builtins = new Set(names.filter((n) => builtinName(n) !== undefined));
  if (builtins.size > 0) hookGetBuiltinModule(builtins, (exports, name) => onModuleLoad(exports, name, undefined));
  log.debug(`hooks installed for ${selected.map((d) => d.id).join(', ') || 'no instrumentation'}`);
}
