/**
 * Instrumentations are data: an id, the modules (and optional internal files) they target with a
 * bounded version range, and a patch function. The hook layer (src/hooks/) does the matching,
 * version checks, idempotence and error containment; a patch only patches.
 */
import type { Tracer } from '@opentelemetry/api';
import type { Config } from '../config/types';

/** What the hook layer hands an instrumentation. Only the API and the config: never SDK internals. */
export interface InstrumentationContext {
  readonly id: string;
  /** A tracer whose scope is `otel-instrument/<id>` with the agent's version. */
  readonly tracer: Tracer;
  readonly config: Config;
  /**
   * True once this instrumentation gave way to another tracer that instruments the same library
   * (src/stand-down.ts). Wrappers check it on every call and pass straight through.
   */
  readonly isStoodDown: () => boolean;
}

/**
 * Patch a module's exports in place (shimmer-style) or return a replacement.
 * `version` is the module's package.json version; undefined for Node builtins.
 * Returning undefined means "patched in place, keep the same exports object".
 */
export type PatchFunction = (
  moduleExports: any,
  ctx: InstrumentationContext,
  version: string | undefined,
) => unknown;

export interface PatchTarget {
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
  readonly load: () => PatchFunction;
}

export interface InstrumentationDefinition {
  /** The name users write in OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS. */
  readonly id: string;
  readonly targets: readonly PatchTarget[];
  /**
   * For libraries that publish diagnostics channels (undici/fetch, fastify): subscribe here.
   * Called once at start-up when the instrumentation is enabled; must be cheap (subscribe only,
   * load handlers lazily on the first message).
   */
  readonly start?: (ctx: InstrumentationContext) => void;
  /**
   * The agent's own watchers (the app's API copies, other tracers): always installed, whatever
   * OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS say, since turning them off would silently break
   * the app's manual spans; not listed as instrumentations.
   */
  readonly internal?: true;
}

export function defineInstrumentation(def: InstrumentationDefinition): InstrumentationDefinition {
  return Object.freeze(def);
}
