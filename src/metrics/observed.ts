/**
 * Values read at collection time rather than recorded (the runtime's heap sizes, event-loop
 * delay): a gauge, or a non-monotonic sum (an UpDownCounter in the semconv's words), one value
 * per attribute set, from a callback the registry calls on every collection.
 */
import type { Attributes } from '../sdk/types';

export interface ObservedDefinition {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** 'gauge': a sampled value; 'updowncounter': a running total that may go down (OTLP Sum, not monotonic). */
  readonly kind: 'gauge' | 'updowncounter';
}

export interface Observation {
  readonly attributes: Attributes;
  readonly value: number;
}

export interface ObservedSnapshot {
  readonly definition: ObservedDefinition;
  /** When observation started: start time of an updowncounter's points. */
  readonly startTimeUnixMs: number;
  readonly observations: readonly Observation[];
}
