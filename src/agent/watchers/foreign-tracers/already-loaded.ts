/**
 * Foreign tracers loaded before our hooks were installed: a `--require` preload
 * (`node -r dd-trace/init`, `node -r ./tracing.js`) runs before the `--import` that starts us.
 * One pass over the CommonJS cache at start-up.
 */
import { sep } from 'node:path';
import { packageBasedir, packageVersion } from '../../../hooks/package-version';
import { FOREIGN_TRACERS } from './known';
import { reportForeignTracer, watchActivation } from './report';
import { watchSdkUse } from './sdk-use';

export function reportForeignTracersAlreadyLoaded(): void {
  const byDir = new Map(FOREIGN_TRACERS.map((t) => [`${sep}node_modules${sep}${t.module.split('/').join(sep)}`, t]));
  const seen = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const basedir = packageBasedir(file);
    if (basedir === undefined || seen.has(basedir)) continue;
    for (const [suffix, tracer] of byDir) {
      if (!basedir.endsWith(suffix)) continue;
      seen.add(basedir);
      if (tracer.kind === 'sdk') {
        // Loaded before us without registering (that would be OTELI_W_GLOBAL_TAKEN): watch its use.
        watchSdkUse(mainExportsIfLoaded(basedir), packageVersion(basedir));
        continue;
      }
      if (tracer.activation === undefined) {
        reportForeignTracer(tracer, packageVersion(basedir));
        continue;
      }
      // An agent that must be started: look at its main export. Only other files of the package
      // in the cache (`dd-trace/init` refusing this Node.js before loading the tracer) mean it
      // never started.
      const main = mainExportsIfLoaded(basedir);
      if (main !== undefined) watchActivation(tracer, main, packageVersion(basedir));
    }
  }
}

function mainExportsIfLoaded(basedir: string): unknown {
  try {
    return require.cache[require.resolve(basedir)]?.exports;
  } catch {
    return undefined;
  }
}
