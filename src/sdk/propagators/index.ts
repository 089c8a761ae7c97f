/**
 * The propagators OTEL_PROPAGATORS can name, and the one factory the SDK calls with the parsed
 * list. Each propagator's module loads only when the list names it (B3 is not in the default
 * list): start-up pays for the configured ones alone. The classes themselves come from their own
 * files (./tracecontext.ts, ./baggage.ts, ./b3.ts, ./composite.ts).
 */
import type { TextMapPropagator } from '@opentelemetry/api';
import type { PropagatorName } from '../../config/types';
import { log } from '../../log';
import { CompositePropagator } from './composite';

function createOne(name: PropagatorName): TextMapPropagator | undefined {
  switch (name) {
    case 'tracecontext':
      return new (require('./tracecontext') as typeof import('./tracecontext')).W3CTraceContextPropagator();
    case 'baggage':
      return new (require('./baggage') as typeof import('./baggage')).W3CBaggagePropagator();
    case 'b3':
      return new (require('./b3') as typeof import('./b3')).B3SinglePropagator();
    case 'b3multi':
      return new (require('./b3') as typeof import('./b3')).B3MultiPropagator();
    default:
      // Config validates names; this guards a caller that bypassed it (a plain JS caller).
      log.warnOnce('OTELI_W_PROPAGATOR_UNKNOWN', `unknown propagator ${JSON.stringify(name)} ignored`);
      return undefined;
  }
}

/**
 * A composite of the named propagators in order; a name given twice is used once. An empty list
 * (OTEL_PROPAGATORS=none) gives a composite of nothing: inject writes nothing, extract returns the
 * context unchanged, fields() is empty. Always a composite, even for one name, so a throwing
 * getter or setter is contained the same way in every configuration.
 */
export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  const seen = new Set<PropagatorName>();
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const propagator = createOne(name);
    if (propagator) propagators.push(propagator);
  }
  return new CompositePropagator(propagators);
}
