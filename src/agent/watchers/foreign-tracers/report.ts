/**
 * One warning per foreign tracer package (whatever the number of its copies), and the
 * stand-down of our instrumentations it replaces.
 */
import { context } from '@opentelemetry/api';
import { wrap } from '../../../hooks/wrap';
import { log } from '../../../log';
import { suppressTracing } from '../../../sdk/suppress-tracing';
import { standDown } from '../../stand-down';
import { standDownIdsFor, WARNING_CODES, type ForeignTracer } from './known';

const reported = new Set<string>();
let globalIsOurs = true;

/**
 * register-globals.ts found the global API taken (and said so in OTELI_W_GLOBAL_TAKEN): an SDK
 * loaded before us is then the one that took it, and needs no second warning.
 */
export function noteGlobalTaken(): void {
  globalIsOurs = false;
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(ids: readonly string[]): string {
  return ids.length <= 1 ? ids.join('') : `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}

function consequence(tracer: ForeignTracer): string {
  switch (tracer.kind) {
    case 'sdk':
      return (
        "otel-instrument registered the global OpenTelemetry API first, so the app's provider.register() / NodeSDK.start() does not take: " +
        "spans from trace.getTracer() go to otel-instrument's exporter, only spans from the app's own provider.getTracer() reach the app's exporters; " +
        'remove the app\'s SDK set-up when running under otel-instrument, or run the app without otel-instrument'
      );
    case 'instrumentation':
      return (
        `otel-instrument's ${listOf(standDownIdsFor(tracer.module))} instrumentation stands down so requests are not traced twice; ` +
        "its spans go wherever the app's instrumentation sends them; remove it (or its SDK set-up) to get otel-instrument's spans"
      );
    case 'agent':
      return (
        `otel-instrument's ${listOf(standDownIdsFor(tracer.module))} instrumentations stand down so requests are not traced twice; ` +
        'run the app with one tracing agent only'
      );
  }
}

export function reportForeignTracer(tracer: ForeignTracer, version: string | undefined): void {
  if (reported.has(tracer.module)) return;
  reported.add(tracer.module);
  if (tracer.kind === 'sdk' && !globalIsOurs) {
    log.debug(`${tracer.module}${version === undefined ? '' : `@${version}`} is loaded; it holds the global API (OTELI_W_GLOBAL_TAKEN)`);
    return;
  }
  for (const id of standDownIdsFor(tracer.module)) standDown(id, `${tracer.module} is loaded`);
  const what = tracer.kind === 'agent' ? 'another tracing agent' : tracer.kind === 'sdk' ? 'its own OpenTelemetry SDK' : 'its own OpenTelemetry instrumentation';
  const verb = tracer.kind === 'sdk' ? 'uses' : tracer.activation === undefined ? 'loads' : 'starts';
  log.warnOnce(
    WARNING_CODES[tracer.kind],
    `the app ${verb} ${what}, ${tracer.module}${version === undefined ? '' : `@${version}`}: ${consequence(tracer)}`,
  );
}

/**
 * An agent with an `activation` (known.ts): reported as soon as it is tracing, which is now when
 * it was started before we saw it (a `--require` preload), else when the app starts it. Its start
 * method is wrapped in place (hooks/wrap: once, undone if the patch fails); `this`, arguments,
 * return value and errors pass through.
 */
export function watchActivation(tracer: ForeignTracer, agent: any, version: string | undefined): void {
  const activation = tracer.activation;
  if (activation === undefined || typeof agent?.[activation.method] !== 'function') {
    // Not the shape we know: loading it has to count as starting it.
    reportForeignTracer(tracer, version);
    return;
  }
  if (activation.isTracing(agent)) {
    reportForeignTracer(tracer, version);
    return;
  }
  log.debug(`${tracer.module}${version === undefined ? '' : `@${version}`} is loaded, not started: nothing stands down until ${activation.method}()`);
  wrap(agent, activation.method, (start: (...args: unknown[]) => unknown) =>
    function startForeignAgent(this: unknown): unknown {
      // Suppressed: an agent that calls its server while starting (elastic-apm-node asks its APM
      // Server for its version) must not get a CLIENT span from us, who stand down a moment later.
      // Timers it sets up in here inherit that, and they are its own background work too.
      const result = context.with(suppressTracing(context.active()), start, this, ...(arguments as unknown as unknown[]));
      try {
        if (activation.isTracing(agent)) reportForeignTracer(tracer, version);
      } catch (err) {
        log.errorOnce('OTELI_E_FOREIGN_ACTIVATION', `checking whether ${tracer.module} started failed`, err);
      }
      return result;
    },
  );
}
