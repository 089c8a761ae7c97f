/**
 * A loaded package's version, read from the package.json at its base directory (the directory
 * require-in-the-middle and import-in-the-middle report). Cached per directory: read once per
 * package, not once per internal file.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { log } from '../log';

const cache = new Map<string, string | undefined>();

function readVersion(pkgJson: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(pkgJson, 'utf8')) as { name?: unknown; version?: unknown };
  } catch (err) {
    log.debug(`could not read ${pkgJson}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The `version` of `<basedir>/package.json`; undefined when missing or unreadable. */
export function packageVersion(basedir: string | undefined): string | undefined {
  if (!basedir) return undefined;
  if (cache.has(basedir)) return cache.get(basedir);
  const pkg = readVersion(join(basedir, 'package.json'));
  const version = typeof pkg?.version === 'string' ? pkg.version : undefined;
  if (pkg && version === undefined) log.debug(`${join(basedir, 'package.json')} has no version`);
  cache.set(basedir, version);
  return version;
}

/**
 * The base directory of the package a file belongs to: the nearest directory right under a
 * `node_modules` (or `node_modules/@scope`) on the way up. Undefined outside node_modules.
 */
export function packageBasedir(file: string): string | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) return undefined;
  const rest = file.slice(at + marker.length).split(sep);
  const depth = rest[0]?.startsWith('@') ? 2 : 1;
  if (rest.length <= depth) return undefined;
  return file.slice(0, at + marker.length) + rest.slice(0, depth).join(sep);
}

/** Test hook. */
export function clearPackageVersionCache(): void {
  cache.clear();
}
