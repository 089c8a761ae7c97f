/**
 * The agent's version (telemetry.sdk.version, the instrumentation scope version).
 * Read once from package.json, which sits one level above dist/ in the published package.
 */

function readVersion(): string {
  try {
    // A plain require keeps package.json out of tsc's rootDir; the path is relative to dist/.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const VERSION: string = readVersion();
