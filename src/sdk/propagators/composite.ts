/**
 * Runs several propagators as one, in the configured order (OTEL_PROPAGATORS). On extract each sees
 * the context the previous one returned, so a later propagator wins when two set the same thing.
 *
 * Inject and extract run inside the app's requests with getters and setters we do not control
 * (an odd carrier, a setter that throws on a sent response), so every call is contained here:
 * one failing propagator is logged once and the others still run.
 */
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { log } from '../../log';

export class CompositePropagator implements TextMapPropagator {
  private readonly propagators: readonly TextMapPropagator[];
  private readonly fieldNames: readonly string[];

  constructor(propagators: readonly TextMapPropagator[]) {
    this.propagators = propagators.slice();
    const fields = new Set<string>();
    for (const propagator of this.propagators) {
      try {
        for (const field of propagator.fields()) fields.add(field);
      } catch (err) {
        log.errorOnce('OTELI_E_PROPAGATOR_FIELDS', 'a propagator failed to list its fields', err);
      }
    }
    this.fieldNames = Array.from(fields);
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (const propagator of this.propagators) {
      try {
        propagator.inject(context, carrier, setter);
      } catch (err) {
        log.errorOnce(
          'OTELI_E_PROPAGATOR_INJECT',
          'a propagator failed to inject; the request goes out without its headers',
          err,
        );
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    for (const propagator of this.propagators) {
      try {
        result = propagator.extract(result, carrier, getter);
      } catch (err) {
        log.errorOnce(
          'OTELI_E_PROPAGATOR_EXTRACT',
          'a propagator failed to extract; its headers are ignored',
          err,
        );
      }
    }
    return result;
  }

  /** The union of the members' fields, in order, without duplicates. A copy: callers may mutate it. */
  fields(): string[] {
    return this.fieldNames.slice();
  }
}
