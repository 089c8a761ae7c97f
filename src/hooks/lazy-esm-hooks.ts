/**
 * The `sync` ESM loader path (./sync-esm-loader.ts) without import-in-the-middle's cost until it is
 * needed: import-in-the-middle's hook module (create-hook.mjs with cjs-module-lexer's WASM,
 * es-module-lexer, node:util…) is ~10 MB of a 43 MB process on Node 24, paid by every process
 * the preload starts, most of which never import a module we instrument.
 *
 * So the hooks registered here only call `next` (and do the one thing import-in-the-middle does to
 * every process: ./iitm-match.ts's entryResolution), until the first resolution import-in-the-middle
 * would wrap. That resolution loads its hooks, synchronously (`require()` of its ES modules, which
 * every Node.js with the sync path can do), and from then on this resolve and every later
 * resolve and load go to them. Up to that point its hooks would have passed everything through
 * and kept no state, so they start where they would have been; they sit where they would have
 * been registered, in this pair's place in the chain, and get the same `next` functions. The
 * resolution that loads them is resolved twice: once here to see what it is, once by them.
 */
import * as nodeModule from 'node:module';
import { entryResolution, expandInclude, hasIitmQuery, iitmWouldWrap } from './iitm-match';

type Include = Array<string | RegExp>;
// module.registerHooks()'s hooks, which @types/node 20 does not describe.
interface ResolveContext {
  parentURL?: string;
  readonly conditions?: readonly string[];
}
interface Resolved {
  readonly url: string;
  readonly format?: string | null;
}
type ResolveHook = (specifier: string, context: ResolveContext, next: (specifier: string, context?: ResolveContext) => Resolved) => Resolved;
type LoadHook = (url: string, context: object, next: (url: string, context?: object) => object) => object;
type RegisterHooks = (hooks: { resolve: ResolveHook; load: LoadHook }) => unknown;

interface IitmHooks {
  resolveSync: ResolveHook;
  loadSync: LoadHook;
  applyOptions(options: { include: Include }): void;
}
interface CreateHookModule {
  createHook(meta: { url: string }): IitmHooks;
}

export interface IitmFiles {
  /** import-in-the-middle's create-hook.mjs, as a path for require(). */
  readonly createHookPath: string;
  /** The URL its register-hooks.mjs gives createHook() as `import.meta`: the same hooks, named alike. */
  readonly registerHooksUrl: string;
  /** Its lib/register.js, which the wrappers import and its resolve short-circuits. */
  readonly registerJsUrl: string;
}

export interface LazyHooksEvents {
  /** Once, when import-in-the-middle's hooks were loaded (and just before they run), with the resolution that needed them. */
  onLoaded(specifier: string, url: string | undefined, ms: number): void;
  /** Once, when they could not be: ES modules stay uninstrumented. */
  onLoadFailed(err: unknown): void;
}

const IS_WINDOWS = process.platform === 'win32';

export function registerLazySyncHooks(include: Include, files: IitmFiles, events: LazyHooksEvents): void {
  const matching = expandInclude(include);
  const require = nodeModule.createRequire(files.createHookPath);
  let iitm: IitmHooks | undefined;
  /** Set from the start of the one attempt: its own imports pass through, and a failure is final. */
  let triedLoading = false;

  function loadIitm(specifier: string, url: string | undefined): IitmHooks | undefined {
    triedLoading = true;
    try {
      const started = performance.now();
      const { createHook } = require(files.createHookPath) as CreateHookModule;
      const hooks = createHook({ url: files.registerHooksUrl });
      hooks.applyOptions({ include: [...include] });
      // Before they take over: what onLoaded requires passes through, as their own imports did.
      events.onLoaded(specifier, url, performance.now() - started);
      iitm = hooks;
    } catch (err) {
      events.onLoadFailed(err);
    }
    return iitm;
  }

  const resolve: ResolveHook = (specifier, context, next) => {
    if (iitm !== undefined) return iitm.resolveSync(specifier, context, next);
    if (triedLoading) return next(specifier, context);
    // Its resolve answers these two before asking `next`.
    if (specifier === files.registerJsUrl || hasIitmQuery(specifier)) {
      return loadIitm(specifier, undefined)?.resolveSync(specifier, context, next) ?? next(specifier, context);
    }
    const parentURL = context.parentURL ?? '';
    // Its resolve clears such a parent for `next` but decides on the one it was given (Windows only).
    const clearsParent = IS_WINDOWS && parentURL.startsWith('file:node');
    if (clearsParent) context.parentURL = '';
    const result = next(specifier, context);
    if (!iitmWouldWrap(matching, result, specifier, parentURL, context.conditions)) return entryResolution(result, parentURL);
    if (clearsParent) context.parentURL = parentURL; // its resolve must be given what we were
    return loadIitm(specifier, result.url)?.resolveSync(specifier, context, next) ?? result;
  };

  const load: LoadHook = (url, context, next) => (iitm !== undefined ? iitm.loadSync(url, context, next) : next(url, context));

  (nodeModule as unknown as { registerHooks: RegisterHooks }).registerHooks({ resolve, load });
}
