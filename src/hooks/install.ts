/**
 * Installs the hook layer: subscribes the channel-based instrumentations, and puts ONE require
 * hook and ONE import hook on exactly the modules the enabled definitions and the agent's
 * watchers target. When such a module loads, its version is checked against the targets' ranges,
 * the patch is loaded (only now) and applied once per exports object, and a throwing patch is
 * undone and logged.
 *
 * The import hook can only see modules the ESM loader wrapped, so it is installed whenever that
 * loader is registered: with the hooks if it already was (`--import`), or later, when the import
 * entry registers it after a `--require` entry started the agent (installImportHookIfReady).
 */
import { syncBuiltinESMExports } from 'node:module';
import type { InstrumentationContext, InstrumentationDefinition } from '../kit/definition';
import { builtinName, hookGetBuiltinModule } from './builtin';
import { subscribeChannels } from './channels';
import { installImportHook } from './import-hook';
import { packageVersion } from './package-version';
import { installRequireHook } from './require-hook';
import { targetFileName, targetModuleName } from './select';
import { satisfies } from './semver';
import type { ModuleWatcher } from './watch';
import { reportOnce, withUndoJournal, wrapCount } from './wrap';
import { versionGateOnly } from '../kit/definition';
import { isLogLevelEnabled, log } from '../log';

type Apply = (exports: unknown, version: string | undefined) => unknown;

interface Entry {
  /** The instrumentation id, or the watcher's name. */
  readonly id: string;
  readonly module: string;
  readonly file: string | undefined;
  readonly versions: string;
  /** Watchers never warn about a version they do not watch. */
  readonly isWatcher: boolean;
  /** An instrumentation the user turned off: hooked only at debug level, to say why it is not traced. */
  readonly disabledBy?: string;
  /** A main entry that only gates the version (versionGateOnly): it wraps nothing by design. */
  readonly gateOnly?: boolean;
  readonly load: () => Apply;
  apply?: Apply;
  loadFailed?: boolean;
}

export interface PatchedModule {
  readonly id: string;
  readonly module: string;
  readonly file?: string;
  /** undefined for builtins. */
  readonly version: string | undefined;
}

export interface HookPlan {
  /** The enabled definitions (src/hooks/select.ts). */
  readonly definitions: readonly InstrumentationDefinition[];
  /** Definitions turned off, with the setting that did it: only for the debug log. */
  readonly disabled?: ReadonlyArray<{ readonly def: InstrumentationDefinition; readonly by: string }>;
  readonly watchers: readonly ModuleWatcher[];
  readonly makeContext: (def: InstrumentationDefinition) => InstrumentationContext;
}

const entriesByModule = new Map<string, Entry[]>();
/** Exports object as loaded → exports handed out after our patches (the same object when in place). */
const handled = new WeakMap<object, unknown>();
const patched: PatchedModule[] = [];
/** Module name → the version of its first copy the hooks saw (for ctx.loadedVersion). */
const loadedVersions = new Map<string, string>();
/** Every target module the hooks saw load by name, patched or not (src/agent/bundle-check.ts). */
const seenModules = new Set<string>();
let installed = false;
let importHookInstalled = false;
let internals = false;
let hookedNames: string[] = [];

/** What was patched so far, in order (for `bootstrap` and debugging). */
export function getPatchedModules(): PatchedModule[] {
  return patched.map((p) => ({ ...p }));
}

/** Whether a module we target (or one of its files) was ever loaded by name, in range or not. */
export function wasLoadedByName(module: string): boolean {
  return seenModules.has(targetModuleName(module));
}

export function loadedVersionOf(module: string): string | undefined {
  return loadedVersions.get(targetModuleName(module));
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
  const range = entry.versions.trim();
  if (range === '*' || range === '') return true;
  // A builtin's range, when not '*', is read as a range of Node.js versions.
  const checked = builtin ? process.versions.node : version;
  return checked !== undefined && satisfies(checked, range);
}

function applyEntry(entry: Entry, exports: unknown, version: string | undefined, where: string): unknown {
  if (entry.loadFailed) {
    log.debug(`${entry.id}: ${where} not patched: its patch failed to load earlier`);
    return exports;
  }
  try {
    entry.apply ??= entry.load();
  } catch (err) {
    entry.loadFailed = true;
    reportOnce('OTELI_E_PATCH_FAILED', `${entry.id}: loading the patch for ${where}`, err);
    return exports;
  }
  const apply = entry.apply;
  try {
    const wrapsBefore = wrapCount();
    const result = withUndoJournal(() => apply(exports, version));
    // Patched in place (no replacement exports) without a single wrap: nothing it expected was there.
    if (result === undefined && wrapCount() === wrapsBefore && !entry.isWatcher && entry.gateOnly !== true) {
      warnUnexpectedShape(entry, where, 'has none of the functions its patch wraps');
      return exports;
    }
    log.debug(`${entry.id}: ${entry.isWatcher ? 'watching' : 'patched'} ${where}`);
    if (!entry.isWatcher) patched.push({ id: entry.id, module: entry.module, file: entry.file, version });
    return result === undefined ? exports : result;
  } catch (err) {
    reportOnce('OTELI_E_PATCH_FAILED', `${entry.id}: patching ${where} threw; the module is left unpatched`, err);
    return exports;
  }
}

const shapeWarned = new Set<string>();

/**
 * A module of a supported version whose exports are not what its patch expects (a fork, a
 * stub, a mock, a bundler's rewrite): it runs untouched, and one warning per instrumentation says
 * that it is not traced, and why.
 */
function warnUnexpectedShape(entry: Entry, where: string, what: string): void {
  if (shapeWarned.has(entry.id)) {
    log.debug(`${entry.id}: ${where} ${what}; not instrumented`);
    return;
  }
  shapeWarned.add(entry.id);
  log.warnOnce('OTELI_W_UNEXPECTED_SHAPE', `${entry.id}: ${where} ${what}; not instrumented`);
}

/**
 * OTELI_W_UNSUPPORTED_VERSION only when no target of any enabled instrumentation took this
 * module (and file): express 4 and 5 are two targets of one definition, and the one that does
 * not match must not warn about the copy the other patched.
 */
interface PendingWarning {
  readonly id: string;
  readonly module: string;
  readonly message: string;
}

let pendingWarnings: PendingWarning[] = [];
/** The first target module of each instrumentation: its warning is preferred (`pg`, not the `pg-pool` it loads). */
const primaryModules = new Map<string, string>();

/**
 * One warning per instrumentation and copy: pg 7 loads pg-pool 2 while it loads, and both are out
 * of range, but the user needs one line, about pg. Warnings wait for the synchronous load that
 * raised them to finish (a microtask), then each instrumentation's is printed once, its own main
 * module's first.
 */
function flushWarnings(): void {
  const byId = new Map<string, PendingWarning[]>();
  for (const warning of pendingWarnings) byId.set(warning.id, [...(byId.get(warning.id) ?? []), warning]);
  pendingWarnings = [];
  for (const [id, warnings] of byId) {
    const chosen = warnings.find((w) => w.module === primaryModules.get(id)) ?? warnings[0];
    log.warnOnce('OTELI_W_UNSUPPORTED_VERSION', chosen.message);
  }
}

function warnUnsupported(entries: readonly Entry[], module: string, version: string | undefined, basedir: string | undefined): void {
  const byId = new Map<string, string[]>();
  for (const entry of entries) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry.versions]);
  if (pendingWarnings.length === 0) queueMicrotask(flushWarnings);
  for (const [id, ranges] of byId) {
    pendingWarnings.push({
      id,
      module,
      message: `${id}: ${module} version ${version ?? 'unknown'} is outside the supported range ${ranges.map((r) => `"${r}"`).join(' or ')}; not instrumented${basedir ? ` (${basedir})` : ''}`,
    });
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
    seenModules.add(resolved.module);
    const all = entriesByModule.get(resolved.module)!.filter((e) => e.file === resolved.file);
    if (all.length === 0) {
      log.debug(`no instrumentation targets ${name}; left as is`);
      return exports;
    }
    if ((typeof exports !== 'object' || exports === null) && typeof exports !== 'function') {
      const what = `exports ${exports === null ? 'null' : `a ${typeof exports}`}`;
      const version = basedir === undefined ? undefined : packageVersion(basedir);
      const patching = all.find((e) => e.disabledBy === undefined && !e.isWatcher && e.gateOnly !== true && inRange(e, version, false));
      if (patching !== undefined) warnUnexpectedShape(patching, `${name}${version === undefined ? '' : `@${version}`}${basedir ? ` (${basedir})` : ''}`, what);
      else log.debug(`${name} ${what}, which cannot be patched`);
      return exports;
    }
    if (handled.has(exports)) {
      log.debug(`${name} already handled (loaded again, by another path or another loader)`);
      return handled.get(exports);
    }
    const builtin = basedir === undefined && builtinName(resolved.module) !== undefined;
    const version = builtin ? undefined : packageVersion(basedir);
    if (version !== undefined && resolved.file === undefined && !loadedVersions.has(resolved.module)) loadedVersions.set(resolved.module, version);
    const where = `${name}${version === undefined ? '' : `@${version}`}${basedir ? ` (${basedir})` : ''}`;

    for (const entry of all) {
      if (entry.disabledBy !== undefined) log.debug(`${entry.id}: ${where} loaded, not traced: turned off by ${entry.disabledBy}`);
    }
    const live = all.filter((e) => e.disabledBy === undefined);
    const matching = live.filter((e) => inRange(e, version, builtin));
    const instrumentations = live.filter((e) => !e.isWatcher);
    // A file inside a package whose main entry is a target too: the main entry's range decides,
    // and warns once (express 3 loads lib/router/index.js before its main entry is done).
    const mainEntryDecides = resolved.file !== undefined && entriesByModule.get(resolved.module)!.some((e) => e.file === undefined && !e.isWatcher && e.disabledBy === undefined);
    if (instrumentations.length > 0 && !matching.some((e) => !e.isWatcher) && !mainEntryDecides) warnUnsupported(instrumentations, resolved.module, version, basedir);

    let current: unknown = exports;
    for (const entry of matching) current = applyEntry(entry, current, version, where);
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

function addEntry(entry: Entry): void {
  if (entry.file !== undefined) internals = true;
  let list = entriesByModule.get(entry.module);
  if (list === undefined) entriesByModule.set(entry.module, (list = []));
  list.push(entry);
}

function addDefinition(def: InstrumentationDefinition, ctx: (() => InstrumentationContext) | undefined, disabledBy?: string): void {
  if (def.targets.length > 0 && !primaryModules.has(def.id)) primaryModules.set(def.id, targetModuleName(def.targets[0].module));
  for (const target of def.targets) {
    addEntry({
      id: def.id,
      module: targetModuleName(target.module),
      file: targetFileName(target.file),
      versions: target.versions,
      isWatcher: false,
      disabledBy,
      gateOnly: target.load === versionGateOnly,
      load: () => {
        const patch = target.load();
        if (typeof patch !== 'function') throw new TypeError(`load() returned ${typeof patch}, not a function`);
        return (exports, version) => patch(exports, ctx!(), version);
      },
    });
  }
}

/** Install the hooks for the plan's definitions and watchers. Call once; a second call is ignored. */
export function installHooks(plan: HookPlan): void {
  if (installed) {
    log.debug('hooks already installed; ignoring the second call');
    return;
  }
  installed = true;
  try {
    install(plan);
  } catch (err) {
    // The preload never throws into the app: whatever got installed stays, the rest is skipped.
    reportOnce('OTELI_E_HOOKS_INSTALL', 'installing the instrumentation hooks', err);
  }
}

function install(plan: HookPlan): void {
  const contexts = new Map<InstrumentationDefinition, InstrumentationContext>();
  const contextOf = (def: InstrumentationDefinition) => (): InstrumentationContext => {
    let ctx = contexts.get(def);
    if (ctx === undefined) contexts.set(def, (ctx = plan.makeContext(def)));
    return ctx;
  };
  for (const def of plan.definitions) addDefinition(def, contextOf(def));
  for (const watcher of plan.watchers) {
    addEntry({ id: watcher.name, module: targetModuleName(watcher.module), file: undefined, versions: watcher.versions, isWatcher: true, load: watcher.load });
  }
  // Only to say, at debug level, that a library the app loaded is not traced because it is off.
  if (isLogLevelEnabled('debug')) for (const { def, by } of plan.disabled ?? []) addDefinition(def, undefined, by);

  for (const def of plan.definitions) {
    if (def.channels !== undefined) subscribeChannels(def.id, def.channels, contextOf(def));
  }

  hookedNames = [...entriesByModule.keys()];
  installRequireHook(hookedNames, internals, onModuleLoad);
  installImportHookIfReady();
  const builtins = new Set(hookedNames.filter((n) => builtinName(n) !== undefined));
  if (builtins.size > 0) hookGetBuiltinModule(builtins, (exports, name) => onModuleLoad(exports, name, undefined));
  log.debug(`hooks installed for ${plan.definitions.map((d) => d.id).join(', ') || 'no instrumentation'}`);
}

/**
 * The import hook, once the hooks are installed and the ESM loader is registered, whichever
 * comes last. Idempotent.
 */
export function installImportHookIfReady(): void {
  if (!installed || importHookInstalled) return;
  if (installImportHook(hookedNames, internals, onModuleLoad) !== undefined) importHookInstalled = true;
}
