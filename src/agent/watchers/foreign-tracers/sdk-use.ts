/**
 * The app's own OpenTelemetry SDK is a conflict once the app uses it, not when it loads: it
 * registers a tracer provider (provider.register(), NodeSDK.start(): a call to
 * trace.setGlobalTracerProvider through any copy of the API, refused because ours holds the
 * global), or takes a tracer from its own provider. Loading @opentelemetry/sdk-trace-base for a
 * type, an exporter class or set-up code behind a flag is none, and gets no warning.
 */
import { wrap } from '../../../hooks/wrap';
import { log } from '../../../log';
import { FOREIGN_TRACERS, type ForeignTracer } from './known';
import { reportForeignTracer } from './report';

const SDK = FOREIGN_TRACERS.find((t) => t.kind === 'sdk') as ForeignTracer;

/** The tracer provider registered through every API copy we adopt: never a conflict. */
let ourTracerProvider: unknown;
/** The app's sdk-trace-base version, once its loading was seen. */
let sdkVersion: string | undefined;

function reportUse(): void {
  reportForeignTracer(SDK, sdkVersion);
}

export function setOurTracerProvider(provider: unknown): void {
  ourTracerProvider = provider;
}

/**
 * Watches one copy's `trace` API (ours, or an app copy that shares our global) for the app
 * registering a tracer provider of its own. The call itself goes through unchanged; wrap() makes
 * a second call for the same copy a no-op.
 */
export function watchProviderRegistration(traceApi: { setGlobalTracerProvider(provider: unknown): boolean }): void {
  wrap(traceApi, 'setGlobalTracerProvider', (register) =>
    function setGlobalTracerProvider(this: unknown, provider: unknown): boolean {
      try {
        if (provider !== ourTracerProvider) reportUse();
      } catch (err) {
        log.errorOnce('OTELI_E_FOREIGN_SDK_WATCH', "noting the app's own tracer provider failed", err);
      }
      return register.apply(this, arguments as unknown as [unknown]);
    },
  );
}

/**
 * sdk-trace-base loaded (its main exports): remember its version, and report the first tracer
 * the app takes from a provider of its own (BasicTracerProvider, or a subclass such as
 * NodeTracerProvider). The prototype method is wrapped in place, `this` and result unchanged.
 */
export function watchSdkUse(sdkExports: any, version: string | undefined): void {
  sdkVersion ??= version;
  const proto = sdkExports?.BasicTracerProvider?.prototype as { getTracer?: (...args: unknown[]) => unknown } | undefined;
  if (proto === undefined || typeof proto.getTracer !== 'function') {
    // Not the shape we know: loading it has to count as using it.
    reportUse();
    return;
  }
  wrap(proto, 'getTracer', (getTracer) =>
    function (this: unknown): unknown {
      try {
        reportUse();
      } catch {
        // a warning is best effort
      }
      return getTracer!.apply(this, arguments as unknown as unknown[]);
    },
  );
}
