/**
 * Loads the preload's bundle (./preload.bundle.js, scripts/bundle-preload.mjs) with a V8 code
 * cache of its own: compiling the bundle is most of what is left of the preload's start-up on
 * Node 24 once it is one file.
 *
 * The cache covers our bundle only. `module.enableCompileCache()` would also cache the app's
 * modules and write them to the temporary directory: a side effect on the host app, and one that
 * would speed up the app we are measured against.
 *
 * The cache lives next to the bundle (dist/agent/.cache/), in the package's own directory: only
 * whoever may change our code may change what V8 runs as it (V8 checks a cache against the
 * source's length, not its content). Where that directory is read-only, nothing is cached and
 * nothing is said. One file per build of the bundle, Node.js version, architecture and command
 * line flags (V8 rejects a cache made under other flags; per-flags files keep two ways of
 * running from rewriting each other's), at most MAX_CACHE_FILES of them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { createRequire } from 'node:module';

type Preload = typeof import('./preload');

const BUNDLE = path.join(__dirname, 'preload.bundle.js');
const CACHE_DIR = path.join(__dirname, '.cache');
/** The last line of the bundle, written by scripts/bundle-preload.mjs: a hash of its content. */
const BUILD_ID = /\n\/\/ otel-instrument bundle ([0-9a-f]{16})\n?$/;
/**
 * What node:module's wrap() puts around a CommonJS file, so that the bundle runs as if required.
 * scripts/bundle-preload.mjs writes it into the bundle file: the script is then the file as read,
 * one flat string, where concatenating the two around the source made V8 copy a 640 KB string
 * into a new one first (0.6-0.9 ms of every start on Node 24).
 */
export const BUNDLE_WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});\n'] as const;

/** FNV-1a: a file-name-sized digest of the flags, without loading node:crypto at start-up. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Cache files kept per build: one per way of running, and a bound on the odd ones out. */
const MAX_CACHE_FILES = 8;

/**
 * Flags that take the code to run as their value: `node -e '…'` is not another way of running.
 * `-pe` is Node's spelling of -p with -e.
 */
const CODE_FLAGS = new Set(['-e', '--eval', '-p', '--print', '-pe']);

/** The command line flags that name a cache file: execArgv without the code of CODE_FLAGS. */
function cacheKeyFlags(execArgv: readonly string[]): string[] {
  const flags: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const name = arg.startsWith('--') && arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (CODE_FLAGS.has(name)) {
      flags.push(name);
      if (name === arg && i + 1 < execArgv.length) i++;
      continue;
    }
    flags.push(arg);
  }
  return flags;
}

function cacheFileFor(source: string): string | undefined {
  const buildId = BUILD_ID.exec(source.slice(-64))?.[1];
  if (buildId === undefined) return undefined;
  const flags = shortHash(`${cacheKeyFlags(process.execArgv).join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`);
  return path.join(CACHE_DIR, `${buildId}-${process.version}-${process.arch}-${flags}.bin`);
}

function readCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined; // the first start of this build here, or a directory we cannot read
  }
}

/** Written once start-up is over, so it holds the functions start-up compiled too. Never throws. */
function writeCache(script: vm.Script, file: string): void {
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Other builds' caches can never be used again; of this build's, the oldest go past the bound.
    const buildId = path.basename(file).slice(0, 16);
    const kept: Array<{ name: string; mtimeMs: number }> = [];
    for (const name of fs.readdirSync(CACHE_DIR)) {
      const entry = path.join(CACHE_DIR, name);
      if (!name.startsWith(buildId)) fs.rmSync(entry, { force: true });
      else if (entry !== file) kept.push({ name, mtimeMs: fs.statSync(entry, { throwIfNoEntry: false })?.mtimeMs ?? 0 });
    }
    kept.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { name } of kept.slice(MAX_CACHE_FILES - 1)) fs.rmSync(path.join(CACHE_DIR, name), { force: true });
    // Renamed into place: a process starting meanwhile reads the old file or the whole new one.
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, file);
  } catch {
    // read-only package directory, full disk: start-up is merely slower
  }
}

// Both entries load this file through require(), so it is one module and this one bundle per
// process, as require.cache kept it: `--require` plus `--import` must meet in one agent.
let loaded: Preload | undefined;

export function loadPreloadBundle(): Preload {
  loaded ??= compileAndRun();
  return loaded;
}

function compileAndRun(): Preload {
  // latin1: the build lets nothing but ASCII into the bundle, which latin1 decodes as UTF-8 would,
  // with a plain copy instead of UTF-8's validation.
  const source = fs.readFileSync(BUNDLE, 'latin1');
  const cacheFile = cacheFileFor(source);
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile);
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  const module = { exports: {} as Preload };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, __dirname);
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) writeCacheSoon(script, cacheFile);
  return module.exports;
}

/**
 * After start-up, at the loop's first turn; or at exit, for a process that never gets there (a
 * script that exits as soon as it is done, `-e 0`, an app that calls process.exit() as it
 * starts): without that, such a process compiled the whole bundle on every start. Once.
 */
function writeCacheSoon(script: vm.Script, file: string): void {
  let written = false;
  const writeOnce = (): void => {
    if (written) return;
    written = true;
    process.removeListener('exit', writeOnce);
    writeCache(script, file);
  };
  setImmediate(writeOnce).unref();
  process.once('exit', writeOnce);
}
