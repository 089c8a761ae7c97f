/**
 * What `otel-instrument bootstrap` finds in an app: its module type and start command, the
 * version of each library we instrument as Node would resolve it from the app's directory
 * (hoisted, workspace and pnpm layouts alike: node_modules of the app's folder and each one above,
 * following symlinks), and the libraries known to conflict. The supported ranges and ids come from
 * the instrumentation definitions the hook layer uses, never from a second list.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { INSTRUMENTATIONS } from '../../instrumentations';
import { builtinName } from '../../hooks/builtin';
import { satisfies } from '../../hooks/semver';
import type { InstrumentationDefinition } from '../../kit/definition';
import { CONFLICTS, type ConflictKind } from './conflicts';

/** The Node.js versions the agent runs on (package.json engines). */
export const SUPPORTED_NODE = '>=20.6.0';

export type LibraryStatus = 'traced' | 'unsupported' | 'not-installed';
export type ModuleType = 'commonjs' | 'module' | 'typescript';

export interface LibraryRow {
  readonly id: string;
  readonly module: string;
  readonly supported: string;
  readonly installed: string | null;
  readonly path: string | null;
  readonly status: LibraryStatus;
}

export interface BuiltinRow {
  readonly id: string;
  readonly module: string;
  readonly status: 'traced' | 'unsupported';
}

export interface ConflictRow {
  readonly package: string;
  readonly version: string | null;
  readonly kind: ConflictKind;
  readonly effect: string;
  readonly action: string;
}

export interface BootstrapReport {
  readonly app: { readonly dir: string; readonly name: string | null; readonly moduleType: ModuleType; readonly main: string | null };
  readonly node: { readonly version: string; readonly required: string; readonly supported: boolean };
  readonly libraries: readonly LibraryRow[];
  readonly builtins: readonly BuiltinRow[];
  readonly start: {
    readonly command: string;
    readonly nodeOptions: string;
    readonly startScript: { readonly original: string; readonly rewritten: string } | null;
  };
  readonly conflicts: readonly ConflictRow[];
}

export class BootstrapError extends Error {}

interface PackageJson {
  name?: string;
  version?: string;
  type?: string;
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readJson(file: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** `<dir>/node_modules/<name>/package.json`, from the app's folder up, as Node's resolution walks. */
export function findInstalled(appDir: string, name: string): { version: string; path: string } | undefined {
  let dir = resolve(appDir);
  for (;;) {
    const manifest = join(dir, 'node_modules', ...name.split('/'), 'package.json');
    if (existsSync(manifest)) {
      const version = readJson(manifest)?.version;
      if (typeof version === 'string') return { version, path: dirname(realpathSync(manifest)) };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The primary module of a definition (its first target's) and the ranges of its main entry. */
function primaryOf(def: InstrumentationDefinition): { module: string; ranges: string[] } | undefined {
  const first = def.targets[0];
  if (first === undefined) return undefined;
  const ranges = def.targets.filter((t) => t.module === first.module && t.file === undefined).map((t) => t.versions);
  return { module: first.module, ranges: ranges.length > 0 ? ranges : [first.versions] };
}

function libraryRows(appDir: string): LibraryRow[] {
  const rows: LibraryRow[] = [];
  for (const def of INSTRUMENTATIONS) {
    const primary = primaryOf(def);
    if (primary === undefined || builtinName(primary.module) !== undefined) continue;
    const found = findInstalled(appDir, primary.module);
    const supported = primary.ranges.join(' || ');
    const status: LibraryStatus = found === undefined ? 'not-installed' : primary.ranges.some((r) => satisfies(found.version, r)) ? 'traced' : 'unsupported';
    rows.push({ id: def.id, module: primary.module, supported, installed: found?.version ?? null, path: found?.path ?? null, status });
  }
  return rows;
}

function builtinRows(nodeSupported: boolean): BuiltinRow[] {
  const status = nodeSupported ? 'traced' : 'unsupported';
  const rows: BuiltinRow[] = [];
  for (const def of INSTRUMENTATIONS) {
    const modules = def.targets.map((t) => t.module).filter((m) => builtinName(m) !== undefined);
    for (const module of modules) rows.push({ id: def.id, module: `node:${builtinName(module)}`, status });
    // Channel-only: global fetch, Node's own undici.
    if (def.targets.length === 0 && def.channels !== undefined) rows.push({ id: def.id, module: 'fetch', status });
  }
  return rows;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** The file `scripts.start` runs with node/tsx/ts-node, or `main`, or index.js. */
function mainOf(dir: string, pkg: PackageJson): string | null {
  const start = pkg.scripts?.start;
  const fromStart = start === undefined ? undefined : /(?:^|\s)(?:node|tsx|ts-node|nodemon)\s+(?:-\S+\s+(?:\S+\s+)?)*([^\s-][^\s]*\.[cm]?[jt]sx?)\b/.exec(start)?.[1];
  const candidate = fromStart ?? pkg.main ?? 'index.js';
  return existsSync(join(dir, candidate)) || fromStart !== undefined || pkg.main !== undefined ? candidate : null;
}

function moduleTypeOf(pkg: PackageJson, main: string | null): ModuleType {
  const ext = main === null ? '' : extname(main);
  if (TS_EXTENSIONS.has(ext)) return 'typescript';
  if (ext === '.mjs') return 'module';
  if (ext === '.cjs') return 'commonjs';
  return pkg.type === 'module' ? 'module' : 'commonjs';
}

function hasDependency(pkg: PackageJson, name: string): boolean {
  return name in (pkg.dependencies ?? {}) || name in (pkg.devDependencies ?? {});
}

function startCommand(dir: string, pkg: PackageJson, main: string | null, type: ModuleType): BootstrapReport['start'] {
  const file = main ?? '<your main file>';
  let node = `node ${file}`;
  if (type === 'typescript') {
    if (hasDependency(pkg, 'tsx') || findInstalled(dir, 'tsx')) node = `node --import tsx ${file}`;
    else if (hasDependency(pkg, 'ts-node') || findInstalled(dir, 'ts-node')) node = pkg.type === 'module' ? `node --loader ts-node/esm ${file}` : `node --require ts-node/register ${file}`;
    else node = `node --experimental-strip-types ${file}`;
  }
  const start = pkg.scripts?.start;
  const startScript = start === undefined ? null : { original: start, rewritten: start.trim().startsWith('otel-instrument ') ? start : `otel-instrument ${start}` };
  return { command: `otel-instrument ${node}`, nodeOptions: `NODE_OPTIONS="--import otel-instrument/register" ${node}`, startScript };
}

/** The app's own conflicts: the packages its package.json depends on (installed where Node finds them). */
function conflictRows(dir: string, pkg: PackageJson): ConflictRow[] {
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  const rows: ConflictRow[] = [];
  for (const conflict of CONFLICTS) {
    const names = conflict.prefix ? [...declared].filter((d) => d.startsWith(conflict.package)) : [conflict.package];
    for (const name of names) {
      if (!declared.has(name)) continue;
      const found = findInstalled(dir, name);
      rows.push({ package: name, version: found?.version ?? null, kind: conflict.kind, effect: conflict.effect(name), action: conflict.action });
    }
  }
  return rows;
}

export function inspectApp(dirArgument: string): BootstrapReport {
  const dir = resolve(dirArgument);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BootstrapError(`${dirArgument}: no such directory`);
  const pkg = readJson(join(dir, 'package.json'));
  if (pkg === undefined) throw new BootstrapError(`${dirArgument}: no readable package.json (bootstrap looks at an app's folder)`);
  const main = mainOf(dir, pkg);
  const moduleType = moduleTypeOf(pkg, main);
  const nodeSupported = satisfies(process.versions.node, SUPPORTED_NODE);
  return {
    app: { dir, name: pkg.name ?? null, moduleType, main },
    node: { version: process.versions.node, required: SUPPORTED_NODE, supported: nodeSupported },
    libraries: libraryRows(dir),
    builtins: builtinRows(nodeSupported),
    start: startCommand(dir, pkg, main, moduleType),
    conflicts: conflictRows(dir, pkg),
  };
}
