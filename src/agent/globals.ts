/**
 * Registers our SDK as the global tracer provider, context manager and propagator of
 * @opentelemetry/api, so an app's own manual spans (through any copy of the API) join ours.
 *
 * The parts are kept: when the app loads a copy of the API newer than the one that registered
 * (see api-copies/compatibility.ts for why a newer copy ignores an older global), they are
 * registered again through that copy. Our own copy stays the one our instrumentations use; it,
 * like every older copy, follows the newer global.
 */
import * as api from '@opentelemetry/api';
import { log } from '../log';
import { copyReadsGlobal } from './watchers/api-copies/compatibility';
import { forEachApiCopyAlreadyLoaded } from './watchers/api-copies/already-loaded';
import { reportForeignTracersAlreadyLoaded } from './watchers/foreign-tracers/already-loaded';
import { noteGlobalTaken } from './watchers/foreign-tracers/report';
import { setOurTracerProvider, watchProviderRegistration } from './watchers/foreign-tracers/sdk-use';

export interface GlobalSdkParts {
  readonly tracerProvider: api.TracerProvider;
  readonly contextManager: api.ContextManager;
  readonly propagator: api.TextMapPropagator;
}

/** The part of any @opentelemetry/api 1.x copy we use (present in every 1.x release). */
export interface ApiCopy {
  readonly trace: { setGlobalTracerProvider(p: unknown): boolean; getTracerProvider(): unknown };
  readonly context: {
    setGlobalContextManager(m: unknown): boolean;
    with<R>(ctx: unknown, fn: () => R): R;
    active(): unknown;
  };
  readonly propagation: { setGlobalPropagator(p: unknown): boolean };
}

/** What happened when a copy of the API loaded. */
export type AdoptOutcome =
  | 'ours' //                 the agent's own copy, or one already adopted
  | 'shares-global' //        older or equal: it already reads our registration
  | 're-registered' //        newer: our parts were registered again through it
  | 'not-registered' //       we never held the global (SDK disabled, or someone else was first)
  | 'incompatible' //         a copy that cannot share one global with the others (prerelease, other major)
  | 'failed'; //              re-registering did not take; the previous global was restored

type GlobalObject = Record<string, unknown> & { version?: string };

// Every 1.x copy keeps its registrations here; a 2.x API would use another key and its own rules.
const KEY = Symbol.for('opentelemetry.js.api.1');
const PROBE_KEY = api.createContextKey('otel-instrument api copy probe');

let registered: GlobalSdkParts | undefined;
/** Every copy that loaded after we registered and now reads the global (ours first). */
const sharingCopies: Array<{ copy: ApiCopy; version: string }> = [];

function globalObject(): GlobalObject | undefined {
  return (globalThis as Record<symbol, GlobalObject | undefined>)[KEY];
}

export function registerGlobals(parts: GlobalSdkParts): void {
  const ok =
    api.context.setGlobalContextManager(parts.contextManager) &&
    api.trace.setGlobalTracerProvider(parts.tracerProvider) &&
    api.propagation.setGlobalPropagator(parts.propagator);
  if (ok) {
    registered = parts;
    sharingCopies.push({ copy: api as unknown as ApiCopy, version: globalObject()?.version ?? '' });
    setOurTracerProvider(parts.tracerProvider);
    watchProviderRegistration(api.trace);
  } else {
    noteGlobalTaken();
    log.warnOnce(
      'OTELI_W_GLOBAL_TAKEN',
      `another OpenTelemetry SDK (API ${globalObject()?.version ?? 'unknown version'}) registered the global API before otel-instrument: ` +
        "the app's spans made through the API go to that SDK's exporters, otel-instrument's own spans to otel-instrument's exporter; " +
        'remove that SDK set-up when running under otel-instrument, or run the app without otel-instrument',
    );
  }
  try {
    // A --require preload (`node -r dd-trace/init`, `node -r ./tracing.js`) loads before our
    // hooks exist: what it loaded is found in the CommonJS cache.
    forEachApiCopyAlreadyLoaded((copy, version) => adoptApiCopy(copy, version, `${version ?? '(version unknown)'} (loaded before otel-instrument)`));
    reportForeignTracersAlreadyLoaded();
  } catch (err) {
    log.debug(`could not scan for what loaded before otel-instrument: ${String(err)}`);
  }
}

/**
 * Does `copy` see the same global as ours: the same tracer provider, and a context set through
 * one is the active context seen through the other (and back)?
 */
export function sharesGlobal(copy: ApiCopy): boolean {
  try {
    const g = globalObject();
    if (g === undefined || copy.trace.getTracerProvider() !== g.trace) return false;
    const probe = api.ROOT_CONTEXT.setValue(PROBE_KEY, true);
    return (
      copy.context.with(probe, () => api.context.active() === probe) &&
      api.context.with(probe, () => copy.context.active() === probe)
    );
  } catch {
    return false;
  }
}

function isApiCopy(value: unknown): value is ApiCopy {
  const v = value as Partial<Record<keyof ApiCopy, Record<string, unknown>>> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.trace?.setGlobalTracerProvider === 'function' &&
    typeof v.context?.setGlobalContextManager === 'function' &&
    typeof v.propagation?.setGlobalPropagator === 'function'
  );
}

/**
 * Called when a copy of @opentelemetry/api loads (`version` from its package.json). Never throws.
 */
export function adoptApiCopy(copy: unknown, version: string | undefined, where: string): AdoptOutcome {
  if (copy === api || sharingCopies.some((c) => c.copy === copy)) return 'ours';
  if (registered === undefined) {
    log.debug(`@opentelemetry/api ${where}: left alone, otel-instrument does not hold the global API`);
    return 'not-registered';
  }
  if (!isApiCopy(copy)) {
    log.debug(`@opentelemetry/api ${where}: exports no trace/context/propagation API; left alone`);
    return 'incompatible';
  }
  const current = globalObject()?.version ?? '';
  if (version === undefined || copyReadsGlobal(version, current)) {
    if (sharesGlobal(copy)) {
      log.debug(`@opentelemetry/api ${where} reads the global registered by API ${current}`);
      sharingCopies.push({ copy, version: version ?? current });
      watchProviderRegistration(copy.trace);
      return 'shares-global';
    }
    if (version !== undefined) {
      warnDetached(where, `it does not see the global registered by API ${current}`);
      return 'incompatible';
    }
  }
  // Newer than the global: register again through it, if every copy already in use follows it.
  const stuck = version === undefined ? undefined : sharingCopies.find((c) => !copyReadsGlobal(c.version, version));
  if (stuck !== undefined) {
    warnDetached(where, `API ${stuck.version}, already in use, would stop seeing a global registered by it`);
    return 'incompatible';
  }
  return reRegister(copy, registered, where);
}

function reRegister(copy: ApiCopy, parts: GlobalSdkParts, where: string): AdoptOutcome {
  const g = globalThis as Record<symbol, GlobalObject | undefined>;
  const previous = g[KEY];
  // The newer copy only registers into a global stamped with its own version: start a new one.
  delete g[KEY];
  let ok = false;
  try {
    ok =
      copy.context.setGlobalContextManager(parts.contextManager) &&
      copy.trace.setGlobalTracerProvider(parts.tracerProvider) &&
      copy.propagation.setGlobalPropagator(parts.propagator);
  } catch (err) {
    log.debug(`@opentelemetry/api ${where}: registering through it threw: ${String(err)}`);
  }
  const next = g[KEY];
  if (ok && next !== undefined && previous !== undefined) {
    // Whatever else lived in the old global (a diag logger, a meter provider) moves over as is.
    for (const key of Object.keys(previous)) if (!(key in next)) next[key] = previous[key];
  }
  if (!ok || next === undefined || !sharingCopies.every((c) => sharesGlobal(c.copy)) || !sharesGlobal(copy)) {
    g[KEY] = previous;
    warnDetached(where, 'registering otel-instrument through it did not take');
    return 'failed';
  }
  log.debug(
    `@opentelemetry/api ${where} is newer than API ${previous?.version ?? '?'}: otel-instrument's provider, context manager and propagator registered again through it`,
  );
  sharingCopies.push({ copy, version: next.version ?? '' });
  watchProviderRegistration(copy.trace);
  return 're-registered';
}

function warnDetached(where: string, why: string): void {
  log.warnOnce(
    'OTELI_W_API_COPY_DETACHED',
    `@opentelemetry/api ${where}: ${why}, so spans and context made through this copy are no-ops; align its version with the app's other @opentelemetry/api copies (npm ls @opentelemetry/api)`,
  );
}
