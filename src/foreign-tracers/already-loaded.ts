/**
 * Foreign tracers loaded before our hooks were installed: a `--require` preload
 * (`node -r dd-trace/init`, `node -r ./tracing.js`) runs before the `--import` that starts us.
 * One pass over the CommonJS cache at start-up.
 */
import { sep } from 'node:path';
import { packageBasedir, packageVersion } from '../hooks/package-version';
import { FOREIGN_TRACERS } from './known';
import { reportForeignTracer } from './report';

export function reportForeignTracersAlreadyLoaded(): void {
  const byDir = new Map(FOREIGN_TRACERS.map((t) => [`${sep}node_modules${sep}${t.module.split('/').join(sep)}`, t]));
  for (const file of Object.keys(require.cache)) {
    const basedir = packageBasedir(file);
    if (basedir === undefined) continue;
    for (const [suffix, tracer] of byDir) {
      if (basedir.endsWith(suffix)) reportForeignTracer(tracer, packageVersion(basedir));
    }
  }
}
