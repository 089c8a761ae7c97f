/**
 * Which Node.js versions we run on, read by the preload's gate (src/agent/preload.ts) and by the
 * CLI, which must not load agent code (test/e2e/cli.test.mjs): so it lives here, importing nothing.
 */

/**
 * The oldest Node.js we run on (package.json `engines`): `module.register` (20.6) carries the ESM
 * loader; newer APIs (`process.getBuiltinModule`, `module.registerHooks`) are used where present.
 */
export const MIN_NODE = { major: 20, minor: 6 } as const;

/**
 * One line for a Node.js older than MIN_NODE, or undefined when it is supported. Older ones are
 * not traced at all rather than traced in part: Node 18.19+ would load us (it has `module.register`),
 * but it is past its end of life and nothing here is tested on it; before 18.18 the `--import` our
 * CLI adds to NODE_OPTIONS would stop the app from starting at all.
 */
export function unsupportedNodeMessage(version: string = process.versions.node): string | undefined {
  const [major, minor] = version.split('.').map(Number);
  if (major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor)) return undefined;
  return `warn OTELI_W_NODE_UNSUPPORTED: Node.js v${version} is not supported (otel-instrument needs >= ${MIN_NODE.major}.${MIN_NODE.minor}); the app runs untraced`;
}
