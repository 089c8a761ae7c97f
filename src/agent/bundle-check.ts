/**
 * A bundled app (esbuild, webpack, ncc, rollup) carries express and pg inside its own file: they
 * never load by name, so no require or import hook can see them, and the app is traced at the
 * `http` level only, silently. When spans are first exported, each library we patch by name that
 * never loaded by name is looked for in the app's entry file, by strings its code keeps through
 * any bundler and minifier (messages and setting names, not identifiers); one warning names the
 * libraries found and the remedy.
 *
 * fastify and undici are not looked for: their spans come through the diagnostics channels they
 * publish (`node:diagnostics_channel` stays outside any bundle), not through a hook by name.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { wasLoadedByName } from '../hooks/install';
import { log } from '../log';
import type { SpanExporter } from '../sdk/types';

interface Signature {
  readonly id: string;
  readonly module: string;
  /** Every one must be in the file: strings of the library's own code, in every supported major. */
  readonly marks: readonly string[];
}

// express 3, 4 and 5 (lib/application.js) and pg 7 and 8 (lib/client.js) all have these.
const SIGNATURES: readonly Signature[] = [
  { id: 'express', module: 'express', marks: ['jsonp callback name', 'trust proxy fn'] },
  { id: 'pg', module: 'pg', marks: ['Client has already been connected. You cannot reuse a client.'] },
];

/** A bundle with express and pg unminified is about 1.5 MB; past this we read no further. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

let checked = false;

/** The file the app started from: the CommonJS main module, or the script Node was given. */
function entryFile(): string | undefined {
  for (const candidate of [require.main?.filename, process.argv[1]]) {
    if (candidate === undefined || candidate === '') continue;
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not a file (a path Node resolved with an extension added): try the next
    }
  }
  return undefined;
}

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(statSync(file).size, MAX_READ_BYTES));
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('latin1', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** The ids of the enabled instrumentations whose library is inside the entry file. Never throws. */
export function bundledLibraries(enabledIds: ReadonlySet<string>): { file: string | undefined; ids: string[] } {
  const candidates = SIGNATURES.filter((s) => enabledIds.has(s.id) && !wasLoadedByName(s.module));
  if (candidates.length === 0) return { file: undefined, ids: [] };
  const file = entryFile();
  if (file === undefined) return { file, ids: [] };
  let text: string;
  try {
    text = readHead(file);
  } catch (err) {
    log.debug(`bundle check: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    return { file, ids: [] };
  }
  return { file, ids: candidates.filter((s) => s.marks.every((mark) => text.includes(mark))).map((s) => s.id) };
}

function checkOnce(enabledIds: ReadonlySet<string>): void {
  if (checked) return;
  checked = true;
  try {
    const { file, ids } = bundledLibraries(enabledIds);
    if (ids.length === 0) {
      log.debug(`bundle check: no bundled ${SIGNATURES.map((s) => s.module).join(' or ')} in ${file ?? 'the entry file (none found)'}`);
      return;
    }
    const names = ids.join(' and ');
    const them = ids.length === 1 ? 'it' : 'them';
    log.warnOnce(
      'OTELI_W_BUNDLED',
      `not traced: ${names}, bundled into ${file} (a library inside the app's own file never loads by name, so no hook sees ${them}); ` +
        `mark ${them} external (esbuild ${ids.map((id) => `--external:${id}`).join(' ')}, or packages: 'external'; webpack externals) and install ${them} beside the bundle`,
    );
  } catch (err) {
    log.debug(`bundle check failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Runs the check on the exporter's first export (async or the synchronous one at `process.exit()`),
 * by the time the app has loaded what it loads at start-up. The wrappers remove themselves, so
 * every later export calls the exporter's own methods directly.
 */
export function checkBundledAtFirstExport(exporter: SpanExporter, enabledIds: ReadonlySet<string>): SpanExporter {
  const target = exporter as unknown as Record<string, unknown>;
  const methods = (['export', 'exportSync'] as const).filter((name) => typeof target[name] === 'function');
  const own = new Map(methods.map((name) => [name, Object.prototype.hasOwnProperty.call(target, name)]));
  const originals = new Map(methods.map((name) => [name, target[name] as (...args: unknown[]) => unknown]));
  const restore = (): void => {
    for (const name of methods) {
      if (own.get(name) === true) target[name] = originals.get(name);
      else delete target[name];
    }
  };
  for (const name of methods) {
    const original = originals.get(name)!;
    target[name] = function firstExport(this: unknown, ...args: unknown[]): unknown {
      restore();
      checkOnce(enabledIds);
      return original.apply(this, args);
    };
  }
  return exporter;
}
