/**
 * An instrumentation is data: an id, the modules (and optional internal files) it targets with a
 * bounded version range, the diagnostics channels it subscribes to, what it reads from the
 * config, and whose instrumentation of the same library it gives way to. The hook layer
 * (src/hooks/) does the matching, version checks, idempotence and error containment; the kit
 * (src/kit/) hands each instrumentation what it needs; a patch only patches.
 *
 * The definition is the one source of truth: the config's per-instrumentation settings, the
 * stand-down lists, `bootstrap`'s report and the README's support table all derive from it.
 */
import type { Tracer } from '@opentelemetry/api';
import type { Config } from '../config/types';
import type { Meter } from '../metrics/registry';

/** What the hook layer hands an instrumentation: the API, its own settings, never SDK internals. */
export interface InstrumentationContext<S = unknown> {
  readonly id: string;
  /** A tracer whose scope is `otel-instrument/<id>` with the agent's version. */
  readonly tracer: Tracer;
  /**
   * Where its request metrics go, with the instrumentation's scope; undefined when metrics are
   * off (OTEL_METRICS_EXPORTER=none). Measurements count every request, sampled or not.
   */
  readonly meter: Meter | undefined;
  /** What `definition.settings(config)` compiled, once per process. */
  readonly settings: S;
  /**
   * True once this instrumentation gave way to another tracer that instruments the same library
   * (src/agent/stand-down.ts). `ctx.wrap` checks it on every call; handlers of channels check it.
   */
  readonly isStoodDown: () => boolean;
  /**
   * The version of a target module of this instrumentation as the hook layer saw it load;
   * undefined before it loads (and for builtins). A channel handler uses it to tell majors apart.
   */
  readonly loadedVersion: (module: string) => string | undefined;
  /**
   * Replaces `target[name]` with `makeWrapper(original)` (src/hooks/wrap.ts: idempotent, undone
   * if the patch throws), behind the stand-down check and with call-time containment: a wrapper
   * that throws never changes what the app's call returns or throws (./contained-wrap.ts).
   * Returns false (logged at debug) when there was nothing to wrap.
   */
  readonly wrap: <T extends object, K extends keyof T>(target: T, name: K, makeWrapper: (original: T[K]) => T[K]) => boolean;
  /**
   * `wrap` without the per-call stand-down check and containment, for wrappers on per-event paths
   * (an `emit` runs a dozen times per request): the wrapper checks `isStoodDown` itself and
   * contains its own code, so that only the original's errors reach the caller.
   */
  readonly wrapHot: <T extends object, K extends keyof T>(target: T, name: K, makeWrapper: (original: T[K]) => T[K]) => boolean;
}

/**
 * Patch a module's exports in place (shimmer-style) or return a replacement.
 * `version` is the module's package.json version; undefined for Node builtins.
 * Returning undefined means "patched in place, keep the same exports object".
 */
export type PatchFunction<S = any> = (moduleExports: any, ctx: InstrumentationContext<S>, version: string | undefined) => unknown;

export interface PatchTarget<S = any> {
  /** Package name or builtin ('http'; 'node:http' is matched too). */
  readonly module: string;
  /** A bounded semver range ('>=4 <6'); '*' for builtins. */
  readonly versions: string;
  /** A file inside the package, relative to its root ('lib/client.js'); omit for the main entry. */
  readonly file?: string;
  /**
   * Loads the patch function. Kept lazy so an instrumentation's code is only required once the
   * module it targets is loaded by the app.
   */
  readonly load: () => PatchFunction<S>;
}

/**
 * Diagnostics channels, for libraries that publish them (undici/fetch, fastify): the hook layer
 * subscribes at start-up, and loads the handlers (their code and whatever it requires) only on
 * the first message of a channel marked `loads`. A channel not marked `loads` can only concern
 * something a loading channel already saw, so it reaches the handlers only once they are loaded.
 * A handler that throws is contained (one error line); a load that throws is never retried.
 */
export interface ChannelSubscriptions<S = any, H = any> {
  readonly load: (ctx: InstrumentationContext<S>) => H;
  readonly on: ReadonlyArray<{ readonly channel: string; readonly handler: keyof H & string; readonly loads?: true }>;
}

export interface InstrumentationDefinition<S = any> {
  /** The name users write in OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS. */
  readonly id: string;
  /** For the README's support table and `bootstrap`: what is traced, in a few words. */
  readonly library: string;
  readonly targets: readonly PatchTarget<S>[];
  readonly channels?: ChannelSubscriptions<S>;
  /** Compiles what this instrumentation reads from the config; called once, at start-up. */
  readonly settings?: (config: Config) => S;
  /**
   * Packages that instrument the same library themselves (another agent, the app's own
   * OpenTelemetry instrumentation): once one of them traces, this instrumentation stands down,
   * so one request never gets two SERVER or two CLIENT spans.
   */
  readonly yieldsTo?: readonly string[];
}

export function defineInstrumentation<S>(def: InstrumentationDefinition<S>): InstrumentationDefinition<S> {
  return Object.freeze(def);
}

/** How an instrumentation hooks in, as the README's table says it: derived, never written twice. */
export function mechanismOf(def: InstrumentationDefinition): string {
  const parts: string[] = [];
  if (def.targets.length > 0) parts.push('patch');
  if (def.channels !== undefined) parts.push('diagnostics channels');
  return parts.join(' + ');
}

/**
 * Lazy `load` functions for the targets of one patch module:
 * `const load = lazyPatches(() => require('./patch') as typeof import('./patch'))`, then
 * `{ module: 'pg', …, load: load('patchClient') }`. The module is required when the first target
 * loads, never before.
 */
export function lazyPatches<M>(loadModule: () => M): (name: keyof M) => () => PatchFunction {
  return (name) => () => loadModule()[name] as unknown as PatchFunction;
}

const noPatch: PatchFunction = () => undefined;

/**
 * The `load` of a main-entry target that patches nothing: where the work is in internal files or
 * channels, the main entry still gates the version (one OTELI_W_UNSUPPORTED_VERSION for a copy
 * out of range) and is what `bootstrap` reports.
 */
export const versionGateOnly = (): PatchFunction => noPatch;
