/**
 * Hands out tracers (one per name + version + schemaUrl) that share the provider's resource,
 * sampler, limits and processor, and owns the processor's flush and shutdown.
 */
import type { Tracer as ApiTracer, TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { log } from '../log';
import type { SpanLimits } from '../config/types';
import type { Sampler } from './samplers';
import { Tracer, type TracerState } from './tracer';
import type { Resource, SpanProcessor } from './types';


const noop = (): void => {};
/** Any interval: the handle only has to exist while a flush the app awaits runs. */
const KEEP_ALIVE_MS = 60_000;

/**
 * Runs a flush or shutdown the app may await; never rejects. The exporter's sockets and timers
 * are unref'd (they must never hold a running app open), so an app that awaits this as its last
 * work would otherwise exit mid-flush (an ES module's top-level await then ends with code 13):
 * while it runs, a ref'd handle keeps the process alive, as the SDK's own requests would. The
 * work is bounded by the export timeouts.
 */
async function keptAlive(work: () => Promise<void>, errorCode: string, what: string): Promise<void> {
  const keepAlive = setInterval(noop, KEEP_ALIVE_MS);
  try {
    await work();
  } catch (err) {
    log.errorOnce(errorCode, what, err);
  } finally {
    clearInterval(keepAlive);
  }
}
export interface TracerProviderOptions {
  readonly resource: Resource;
  readonly sampler: Sampler;
  readonly spanLimits: SpanLimits;
  readonly processor: SpanProcessor;
}

export class TracerProvider implements ApiTracerProvider {
  private readonly _state: TracerState;
  // Keyed by name, then a short scan over version/schemaUrl: instrumentations that call
  // getTracer() per request then cost a Map lookup, not a key string built per call.
  private readonly _tracersByName = new Map<string, Tracer[]>();
  private _shutdownPromise: Promise<void> | undefined;

  constructor(opts: TracerProviderOptions) {
    this._state = {
      resource: opts.resource,
      sampler: opts.sampler,
      spanLimits: opts.spanLimits,
      processor: opts.processor,
      openSpanCount: 0,
      isShutdown: false,
    };
  }

  /** After shutdown the tracers still work, but only start non-recording spans. */
  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): ApiTracer {
    if (typeof name !== 'string' || name === '') {
      // Spec: an invalid name still gets a working tracer; the empty name is kept as given.
      log.debug(`getTracer called with an invalid name (${String(name)}); using ""`);
      name = '';
    }
    const schemaUrl = options?.schemaUrl;
    let tracers = this._tracersByName.get(name);
    if (tracers === undefined) {
      tracers = [];
      this._tracersByName.set(name, tracers);
    }
    for (let i = 0; i < tracers.length; i++) {
      const scope = tracers[i].scope;
      if (scope.version === version && scope.schemaUrl === schemaUrl) return tracers[i];
    }
    const tracer = new Tracer(this._state, Object.freeze({ name, version, schemaUrl }));
    tracers.push(tracer);
    return tracer;
  }

  /** Recording spans started and not yet ended (sampled or not). */
  openSpanCount(): number {
    return this._state.openSpanCount;
  }

  /** Resolves when the processor has exported what it holds; never rejects. */
  forceFlush(): Promise<void> {
    return keptAlive(() => this._state.processor.forceFlush(), 'OTELI_E_FORCE_FLUSH', 'span processor forceFlush failed');
  }

  /** Stops recording, then flushes and shuts the processor down once; never rejects. */
  shutdown(): Promise<void> {
    if (this._shutdownPromise === undefined) {
      this._state.isShutdown = true;
      this._shutdownPromise = keptAlive(() => this._state.processor.shutdown(), 'OTELI_E_SHUTDOWN', 'span processor shutdown failed');
    }
    return this._shutdownPromise;
  }
}
