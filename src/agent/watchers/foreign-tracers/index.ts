/**
 * Watches for other tracers in the app (its own OpenTelemetry SDK or instrumentations, another
 * agent). Nothing is patched but an agent's start method (known.ts `activation`): loading one, or
 * starting one that has a start method, warns once (known.ts says what each means) and makes the
 * instrumentations of ours that yield to it (their definitions' `yieldsTo`) stand down.
 */
import { watch, type ModuleWatcher } from '../../../hooks/watch';
import { FOREIGN_TRACERS } from './known';

export const foreignTracerWatchers: readonly ModuleWatcher[] = FOREIGN_TRACERS.map((tracer) =>
  watch('foreign-tracers', tracer.module, '*', () => (moduleExports, version) => {
    if (tracer.kind === 'sdk') {
      (require('./sdk-use') as typeof import('./sdk-use')).watchSdkUse(moduleExports, version);
      return;
    }
    const report = require('./report') as typeof import('./report');
    if (tracer.activation === undefined) report.reportForeignTracer(tracer, version);
    else report.watchActivation(tracer, moduleExports, version);
  }),
);
