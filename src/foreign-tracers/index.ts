/**
 * Watches for other tracers in the app (its own OpenTelemetry SDK or instrumentations, another
 * agent). Nothing is patched but an agent's start method (known.ts `activation`): loading one, or
 * starting one that has a start method, warns once (known.ts says what each means) and makes the
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
    load: (): PatchFunction => (moduleExports, _ctx, version) => {
      if (tracer.kind === 'sdk') {
        (require('./sdk-use') as typeof import('./sdk-use')).watchSdkUse(moduleExports, version);
        return undefined;
      }
      const report = require('./report') as typeof import('./report');
      if (tracer.activation === undefined) report.reportForeignTracer(tracer, version);
      else report.watchActivation(tracer, moduleExports, version);
      return undefined;
    },
  })),
});
