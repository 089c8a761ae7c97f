/**
 * Builds the context the hook layer hands one instrumentation: its tracer, the settings its
 * definition compiles (once), the stand-down check, the versions its modules loaded at, and
 * `wrap` behind the stand-down check.
 */
import type { Tracer } from '@opentelemetry/api';
import type { Config } from '../config/types';
import { loadedVersionOf } from '../hooks/install';
import { wrap } from '../hooks/wrap';
import type { InstrumentationContext, InstrumentationDefinition } from './definition';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

export function makeInstrumentationContext(
  def: InstrumentationDefinition,
  tracer: Tracer,
  config: Config,
  isStoodDown: () => boolean,
): InstrumentationContext {
  const ownModules = new Set(def.targets.map((t) => t.module));
  return Object.freeze({
    id: def.id,
    tracer,
    settings: def.settings === undefined ? undefined : def.settings(config),
    isStoodDown,
    loadedVersion: (module: string) => (ownModules.has(module) ? loadedVersionOf(module) : undefined),
    wrap: <T extends object, K extends keyof T>(target: T, name: K, makeWrapper: (original: T[K]) => T[K]): boolean =>
      wrap(target, name, (original) => {
        const traced = makeWrapper(original) as unknown as AnyFunction;
        if (typeof traced !== 'function') return traced as unknown as T[K];
        const plain = original as unknown as AnyFunction;
        const guarded = function (this: unknown): unknown {
          // eslint-disable-next-line prefer-rest-params
          return (isStoodDown() ? plain : traced).apply(this, arguments as unknown as unknown[]);
        };
        // Same name and arity as the original, for code (and stack traces) that read them.
        Object.defineProperty(guarded, 'name', { value: traced.name || plain.name, configurable: true });
        Object.defineProperty(guarded, 'length', { value: plain.length, configurable: true });
        return guarded as unknown as T[K];
      }),
  });
}
