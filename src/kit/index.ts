/**
 * The instrumentation kit: what every instrumentation is written with. A definition
 * (defineInstrumentation), its context (tracer, settings, stand-down-aware wrap), one way to
 * record an error, and containment for our own code on the app's call path.
 */
export { defineInstrumentation, mechanismOf } from './definition';
export type { ChannelSubscriptions, InstrumentationContext, InstrumentationDefinition, PatchFunction, PatchTarget } from './definition';
export { recordError, toException, errorMessage } from './errors';
export { safely, contain } from '../hooks/wrap';
