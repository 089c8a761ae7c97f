/**
 * Tracers that are not ours and what loading one means. Which of our instrumentations give way
 * to each, so that one request never gets two SERVER or two CLIENT spans, is said by their
 * definitions (`yieldsTo`): see standDownIdsFor.
 */
import { INSTRUMENTATIONS } from '../../../instrumentations';

export type ForeignKind = 'sdk' | 'instrumentation' | 'agent';

export interface ForeignTracer {
  /** The package whose main entry loading we watch. */
  readonly module: string;
  readonly kind: ForeignKind;
  /**
   * For an agent that traces nothing until the app starts it: the method of its main export
   * that starts it, and whether the agent is then tracing. Loading it alone (a dependency left
   * in place, `init()` behind a flag) is no conflict, and our instrumentations must not give way
   * to an agent that is not there. Without this, loading the package counts as started.
   */
  readonly activation?: {
    readonly method: string;
    readonly isTracing: (agent: any) => boolean;
  };
}

const AGENT_MODULES = new Set(['dd-trace', 'elastic-apm-node']);

export const FOREIGN_TRACERS: readonly ForeignTracer[] = [
  // The core of every OpenTelemetry JS SDK (sdk-trace-node and sdk-node load it). It patches
  // nothing, so nothing of ours stands down; it is reported once the app uses it (sdk-use.ts).
  { module: '@opentelemetry/sdk-trace-base', kind: 'sdk' },
  // The OpenTelemetry instrumentations of the libraries we instrument: every package a
  // definition yields to that is not an agent below (their definitions' `yieldsTo`).
  ...[...new Set(INSTRUMENTATIONS.flatMap((def) => def.yieldsTo ?? []))]
    .filter((module) => !AGENT_MODULES.has(module))
    .map((module): ForeignTracer => ({ module, kind: 'instrumentation' })),
  {
    module: 'dd-trace',
    kind: 'agent',
    // `tracer.init()`, which `dd-trace/init` calls too.
    activation: { method: 'init', isTracing: isDatadogTracing },
  },
  {
    module: 'elastic-apm-node',
    kind: 'agent',
    // `apm.start()`, which `elastic-apm-node/start` calls too.
    activation: { method: 'start', isTracing: isElasticTracing },
  },
];

/** Our instrumentation ids that stand down once `module` loads (or, with `activation`, starts). */
export function standDownIdsFor(module: string): string[] {
  return INSTRUMENTATIONS.filter((def) => def.yieldsTo?.includes(module) === true).map((def) => def.id);
}

export const WARNING_CODES: Record<ForeignKind, string> = {
  sdk: 'OTELI_W_FOREIGN_SDK',
  instrumentation: 'OTELI_W_FOREIGN_INSTRUMENTATION',
  agent: 'OTELI_W_FOREIGN_AGENT',
};

/**
 * dd-trace 5 and 6: the tracer's own `_tracingInitialized` turns true in init() unless tracing is
 * off. Turned off from the start (DD_TRACE_ENABLED=false, or OTEL_TRACES_EXPORTER=none, which
 * dd-trace reads too), the export is a bare `NoopProxy` without that field. A shape we do not
 * know counts as tracing: a duplicate span is easier to see than a missing one.
 */
function isDatadogTracing(tracer: any): boolean {
  if (tracer === null || typeof tracer !== 'object') return true;
  if ('_tracingInitialized' in tracer) return tracer._tracingInitialized === true;
  return tracer.constructor?.name !== 'NoopProxy';
}

/**
 * elastic-apm-node 3 and 4: `isStarted()` once start() ran; started with `active: false`
 * (ELASTIC_APM_ACTIVE=false) it instruments nothing, which its config (`_conf`) tells.
 */
function isElasticTracing(agent: any): boolean {
  if (agent === null || typeof agent !== 'object' || typeof agent.isStarted !== 'function') return true;
  return agent.isStarted() === true && agent._conf?.active !== false;
}
