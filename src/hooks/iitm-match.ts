/**
 * import-in-the-middle's own decisions, made without loading it (./lazy-esm-hooks.ts loads it
 * on the first resolution it would wrap). Copied from its create-hook.mjs (3.6): finishResolve()'s
 * checks ahead of the wrap, in their order, its default include matcher (defaultShouldInclude)
 * and what it does to the entry point. Where it is unsure this says "would wrap": loading
 * import-in-the-middle early costs memory, loading it late would miss a module.
 */
import { builtinModules } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

type Include = ReadonlyArray<string | RegExp>;

interface Resolved {
  readonly url: string;
  readonly format?: string | null;
}


// create-hook.mjs's EXTENSION_RE and HANDLED_FORMATS.
const EXTENSION_RE = /\.(js|mjs|cjs|ts|mts|cts)$/;
const HANDLED_FORMATS = new Set(['builtin', 'module', 'commonjs', 'module-typescript', 'commonjs-typescript']);

/** Its parseIitm(): a URL or specifier import-in-the-middle made (`?iitm=…`). */
export function hasIitmQuery(url: string): boolean {
  const query = url.indexOf('?');
  if (query === -1 || url.indexOf('iitm', query) === -1) return false;
  try {
    return new URL(url).searchParams.has('iitm');
  } catch {
    return false;
  }
}

/** The include list as applyOptions() leaves it: each builtin also spelled with `node:`. */
export function expandInclude(include: Include): Array<string | RegExp> {
  const out = [...include];
  for (const each of include) {
    if (typeof each === 'string' && !each.startsWith('node:') && builtinModules.includes(each)) out.push(`node:${each}`);
  }
  return out;
}

/** defaultShouldInclude() with an include list and no exclude list. */
function includes(include: Include, url: string, specifier: string): boolean {
  let path: string | undefined;
  return include.some((each) => {
    if (each instanceof RegExp) return each.test(url);
    if (each === specifier || each === url) return true;
    if (!isAbsolute(each)) return false;
    if (path === undefined) {
      path = '';
      try {
        if (url.startsWith('file:')) path = fileURLToPath(url);
      } catch {
        // not a path import-in-the-middle could match either
      }
    }
    return each === path;
  });
}

/**
 * Whether import-in-the-middle would wrap this resolution (or might: the checks after the
 * include list, which only ever say no, are left out). `include` is expandInclude()'s;
 * `parentURL` is the importer's URL, '' for the entry point.
 */
export function iitmWouldWrap(
  include: Include,
  result: Resolved,
  specifier: string,
  parentURL: string,
  conditions: readonly string[] | undefined,
): boolean {
  if (parentURL === '') return false; // the entry point is never wrapped
  if (result.format && !HANDLED_FORMATS.has(result.format)) return false;
  if (conditions?.includes('require')) return false; // require() is require-in-the-middle's
  return includes(include, result.url, specifier);
}

/**
 * What finishResolve() returns for the entry point (no parentURL): an extensionless entry whose
 * format nobody resolved is CommonJS. Kept so the entry runs as it did with the hooks loaded.
 */
export function entryResolution<R extends Resolved>(result: R, parentURL: string): R | { url: string; format: string } {
  if (parentURL !== '') return result;
  if (!EXTENSION_RE.test(result.url) && !hasIitmQuery(result.url)) return { url: result.url, format: result.format ?? 'commonjs' };
  return result;
}
