/**
 * Watches for other tracers in the app (its own OpenTelemetry SDK or instrumentations, another
 * agent). Nothing is patched: loading one warns once (known.ts says what each means) and makes the
 * instrumentations of ours that it replaces stand down.
 */
import { defineInstrumentation } from '../hooks/types';
import type { PatchFunction } from '../hooks/types';
import { FOREIGN_TRACERS } from './known';

export const FOREIGN_TRACERS_ID = 'foreign-tracers';

export default defineInstrumentation({
  id: FOREIGN_TRACERS_ID,
  internal: true,
  targets: FOREIGN_TRACERS.map((tracer) => ({
    module: tracer.module,
    versions: '*',
    load: (): PatchFunction => (_exports, _ctx, version) => {
      (require('./report') as typeof import('./report')).reportForeignTracer(tracer, version);
      return undefined;
    },
  })),
});
