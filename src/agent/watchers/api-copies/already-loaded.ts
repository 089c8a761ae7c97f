/**
 * Copies of @opentelemetry/api loaded before our hooks were installed: a `--require` preload runs
 * before the `--import` that starts us, and may load the app's (newer) copy. One pass over the
 * CommonJS cache at start-up, right after we registered; each copy found is adopted like one the
 * hook layer reports.
 */
import { sep } from 'node:path';
import { packageBasedir, packageVersion } from '../../../hooks/package-version';

const API_DIR = `${sep}node_modules${sep}@opentelemetry${sep}api`;

export function forEachApiCopyAlreadyLoaded(fn: (exports: unknown, version: string | undefined) => void): void {
  for (const [file, mod] of Object.entries(require.cache)) {
    const basedir = packageBasedir(file);
    if (basedir === undefined || !basedir.endsWith(API_DIR) || mod === undefined) continue;
    // Only a package's main entry exports the whole API; its internal files are skipped here.
    const exports = mod.exports as Record<string, unknown> | undefined;
    if (exports === undefined || typeof exports.trace !== 'object' || typeof exports.context !== 'object') continue;
    fn(exports, packageVersion(basedir));
  }
}
