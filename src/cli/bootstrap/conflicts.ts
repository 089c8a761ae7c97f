/**
 * Libraries that conflict with the agent, for `bootstrap`: what happens when the app has one,
 * and what to do. The runtime side (stand down, one warning) is src/agent/watchers/foreign-tracers;
 * which of our instrumentations stand down comes from the definitions' `yieldsTo`.
 */
import { INSTRUMENTATIONS } from '../../instrumentations';

export type ConflictKind = 'agent' | 'sdk' | 'instrumentation';

export interface Conflict {
  readonly package: string;
  /** `package` is a prefix (`@opentelemetry/instrumentation-`). */
  readonly prefix?: true;
  readonly kind: ConflictKind;
  readonly effect: (name: string) => string;
  readonly action: string;
}

function yielding(name: string): string {
  const ids = INSTRUMENTATIONS.filter((def) => def.yieldsTo?.includes(name)).map((def) => def.id);
  return ids.length === 0 ? 'nothing of ours stands down' : `our ${ids.join(', ')} instrumentation${ids.length > 1 ? 's stand' : ' stands'} down`;
}

export const CONFLICTS: readonly Conflict[] = [
  {
    package: 'dd-trace',
    kind: 'agent',
    effect: (name) => `once the app starts it (init() or --require ${name}/init), ${yielding(name)}, one OTELI_W_FOREIGN_AGENT line`,
    action: 'run the app with one tracing agent: remove dd-trace\'s start, or run without otel-instrument',
  },
  {
    package: 'elastic-apm-node',
    kind: 'agent',
    effect: (name) => `once the app starts it (start() or --require ${name}/start), ${yielding(name)}, one OTELI_W_FOREIGN_AGENT line`,
    action: 'run the app with one tracing agent: remove elastic-apm-node\'s start, or run without otel-instrument',
  },
  {
    package: 'newrelic',
    kind: 'agent',
    effect: () => 'both agents trace every request: two sets of spans and headers',
    action: 'run the app with one tracing agent: remove `require(\'newrelic\')` / `-r newrelic`, or run without otel-instrument',
  },
  {
    package: '@opentelemetry/sdk-node',
    kind: 'sdk',
    effect: () => "the agent holds the global API first: the app's NodeSDK.start() / provider.register() does not take; one OTELI_W_FOREIGN_SDK line",
    action: 'remove the app\'s own SDK set-up when running under otel-instrument (or set OTEL_SDK_DISABLED=true to use only the app\'s)',
  },
  {
    package: '@opentelemetry/sdk-trace-node',
    kind: 'sdk',
    effect: () => "the agent holds the global API first: the app's provider.register() does not take; one OTELI_W_FOREIGN_SDK line",
    action: 'remove the app\'s own SDK set-up when running under otel-instrument (or set OTEL_SDK_DISABLED=true to use only the app\'s)',
  },
  {
    package: '@opentelemetry/instrumentation-',
    prefix: true,
    kind: 'instrumentation',
    effect: (name) => `when the app loads it, ${yielding(name)}; one OTELI_W_FOREIGN_INSTRUMENTATION line`,
    action: 'remove the app\'s own instrumentation set-up to get otel-instrument\'s spans',
  },
];
