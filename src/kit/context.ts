/**
 * Builds the context the hook layer hands one instrumentation: its tracer, the settings its
 * definition compiles (once), the stand-down check, the versions its modules loaded at, and
 * `wrap` with the stand-down check and call-time containment (./contained-wrap.ts).
 */
import type { Tracer } from '@opentelemetry/api';
import type { Config } from '../config/types';
import type { Meter } from '../metrics/registry';
import { loadedVersionOf } from '../hooks/install';
import { containedWrap } from './contained-wrap';
import { wrap } from '../hooks/wrap';
import type { InstrumentationContext, InstrumentationDefinition } from './definition';

export function makeInstrumentationContext(
  def: InstrumentationDefinition,
  tracer: Tracer,
  config: Config,
  isStoodDown: () => boolean,
  meter?: Meter,
): InstrumentationContext {
  const ownModules = new Set(def.targets.map((t) => t.module));
  return Object.freeze({
    id: def.id,
    tracer,
    meter,
    settings: def.settings === undefined ? undefined : def.settings(config),
    isStoodDown,
    loadedVersion: (module: string) => (ownModules.has(module) ? loadedVersionOf(module) : undefined),
    wrap: <T extends object, K extends keyof T>(target: T, name: K, makeWrapper: (original: T[K]) => T[K]): boolean =>
      containedWrap(def.id, isStoodDown, target, name, makeWrapper),
    wrapHot: <T extends object, K extends keyof T>(target: T, name: K, makeWrapper: (original: T[K]) => T[K]): boolean =>
      wrap(target, name, makeWrapper),
  });
}
