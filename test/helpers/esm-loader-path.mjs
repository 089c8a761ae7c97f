// Which ESM loader path the agent takes on the Node.js running the tests (src/hooks/esm-loader.mts):
// module.registerHooks(), in-thread, where import-in-the-middle supports this Node.js (>= 22.22.3,
// >= 24.11.1), module.register()'s loader thread everywhere else. Asked of the same
// import-in-the-middle the agent uses.
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = nodeModule.createRequire(import.meta.url);
const { supportsSyncHooks } = await import(
  pathToFileURL(join(require.resolve('import-in-the-middle'), '..', 'supports-sync-hooks.mjs')).href
);

/** True where the agent's ESM loader runs in-thread (module.registerHooks()). */
export const IN_THREAD_ESM_LOADER = typeof nodeModule.registerHooks === 'function' && supportsSyncHooks();
