/**
 * When one copy of @opentelemetry/api uses the global that another copy registered.
 *
 * Every 1.x copy keeps its registrations in one object, `globalThis[Symbol.for('opentelemetry.js.api.1')]`,
 * stamped with the `version` of the copy that created it. A copy reads that object only when the
 * stamp is compatible with its own VERSION: same major, and the stamp's minor at least its own
 * (for 0.x: same minor and the stamp's patch at least its own); a prerelease on either side
 * demands the exact same version. A copy registers into it only when the stamp equals its own
 * VERSION. So an older copy follows a newer global, and a newer copy ignores an older global and
 * hands the app no-op tracers. These rules are those of the API's internal/semver.ts (1.0–1.10).
 */

interface ApiVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: boolean;
}

const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)(-.+)?$/;

function parse(version: string): ApiVersion | undefined {
  const m = VERSION_RE.exec(version);
  if (m === null) return undefined;
  return { major: +m[1], minor: +m[2], patch: +m[3], prerelease: m[4] !== undefined };
}

/** Does a copy whose VERSION is `copyVersion` read a global stamped `globalVersion`? */
export function copyReadsGlobal(copyVersion: string, globalVersion: string): boolean {
  if (copyVersion === globalVersion) return true;
  const own = parse(copyVersion);
  const global = parse(globalVersion);
  if (own === undefined || global === undefined) return false;
  if (own.prerelease || global.prerelease) return false;
  if (own.major !== global.major) return false;
  if (own.major === 0) return own.minor === global.minor && own.patch <= global.patch;
  return own.minor <= global.minor;
}

