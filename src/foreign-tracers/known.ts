/**
 * Tracers that are not ours, what loading one means, and which of our instrumentations give way
 * to it so that one request never gets two SERVER or two CLIENT spans.
 */

export type ForeignKind = 'sdk' | 'instrumentation' | 'agent';

export interface ForeignTracer {
  /** The package whose main entry loading we watch. */
  readonly module: string;
  readonly kind: ForeignKind;
  /** Our instrumentation ids that stand down once it loads. */
  readonly standDown: readonly string[];
}

export const FOREIGN_TRACERS: readonly ForeignTracer[] = [
  // The core of every OpenTelemetry JS SDK (sdk-trace-node and sdk-node load it). On its own it
  // patches nothing, so nothing of ours stands down.
  { module: '@opentelemetry/sdk-trace-base', kind: 'sdk', standDown: [] },
  { module: '@opentelemetry/instrumentation-http', kind: 'instrumentation', standDown: ['http'] },
  { module: '@opentelemetry/instrumentation-undici', kind: 'instrumentation', standDown: ['undici'] },
  { module: 'dd-trace', kind: 'agent', standDown: ['http', 'undici'] },
  { module: 'elastic-apm-node', kind: 'agent', standDown: ['http', 'undici'] },
];

export const WARNING_CODES: Record<ForeignKind, string> = {
  sdk: 'OTELI_W_FOREIGN_SDK',
  instrumentation: 'OTELI_W_FOREIGN_INSTRUMENTATION',
  agent: 'OTELI_W_FOREIGN_AGENT',
};
