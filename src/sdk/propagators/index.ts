/**
 * The propagators OTEL_PROPAGATORS can name, and the one factory the SDK calls with the parsed list.
 */
import type { TextMapPropagator } from '@opentelemetry/api';
import type { PropagatorName } from '../../config/types';
import { log } from '../../log';
import { B3MultiPropagator, B3SinglePropagator } from './b3';
import { W3CBaggagePropagator } from './baggage';
import { CompositePropagator } from './composite';
import { W3CTraceContextPropagator } from './tracecontext';

export { B3MultiPropagator, B3SinglePropagator, B3_DEBUG_FLAG_KEY } from './b3';
export { W3CBaggagePropagator } from './baggage';
export { CompositePropagator } from './composite';
export { W3CTraceContextPropagator, W3CTraceState } from './tracecontext';

function createOne(name: PropagatorName): TextMapPropagator | undefined {
  switch (name) {
    case 'tracecontext':
      return new W3CTraceContextPropagator();
    case 'baggage':
      return new W3CBaggagePropagator();
    case 'b3':
      return new B3SinglePropagator();
    case 'b3multi':
      return new B3MultiPropagator();
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
