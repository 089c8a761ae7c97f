/**
 * The agent's own watchers (the app's copies of @opentelemetry/api, other tracers): told when a
 * module loads, through the same require and import hooks as the instrumentations, but not
 * instrumentations themselves: always on whatever OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS
 * say (turning them off would silently break the app's manual spans), never listed, no tracer.
 */
export interface ModuleWatcher {
  /** For debug lines. */
  readonly name: string;
  readonly module: string;
  readonly versions: string;
  /** Loaded lazily, like a patch; may wrap a method but never replaces the exports. */
  readonly load: () => (moduleExports: any, version: string | undefined) => void;
}

export function watch(name: string, module: string, versions: string, load: ModuleWatcher['load']): ModuleWatcher {
  return Object.freeze({ name, module, versions, load });
}
