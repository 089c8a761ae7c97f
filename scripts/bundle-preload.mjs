// Bundles the preload's CommonJS graph (tsc's dist/agent/preload.js and everything it requires,
// eagerly or inside functions) into one file, dist/agent/preload.bundle.js, which the register
// entries load instead. Start-up then reads and compiles one file instead of ~100: no module
// resolution, stat, realpath or package.json lookups per file (issue #23).
//
// The bundle sits in dist/agent/, one level under dist/ like every file it replaces, so a
// `__dirname`-relative path (sync-send.ts's child entry) means the same from either copy.
//
// @opentelemetry/api is bundled too: its ~45 files cost 7 ms and 5 MB at start as separate
// modules. The app's own copies meet ours through the global registry as before, and a copy newer
// than the bundled one gets our parts registered again through it (src/agent/globals.ts), which
// is what made an unbundled copy pinned at install time safe too.
//
// Left out, required from node_modules at run time:
// - import-in-the-middle: its loader files are resolved by URL from this package
//   (src/hooks/esm-loader.mts), and the Hook must come from that same copy;
// - supports-color: debug's optional colour probe, resolved where the app's install has it.
//
// require-in-the-middle's `require('debug')` gets src/hooks/ritm-debug.ts, which loads debug only
// where DEBUG is set.
//
// esbuild keeps each CommonJS input in its own lazy wrapper, so a require() inside a function
// still loads its module only when called.
//
// Not minified, not even its whitespace (627 against 450 KB, about 1 ms of every start on
// Node.js 24): an uncaught error that passes through one of our wrappers makes Node.js print the
// source line of that frame to the app's stderr, and a minified line is the whole bundle.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE = join('agent', 'preload.bundle.js');
/** The list of our modules the bundle ran, in order: what require.cache said before the bundle. */
export const LOADED_MODULES_KEY = "Symbol.for('otel-instrument.loaded-modules')";

const EXTERNAL = ['import-in-the-middle', 'supports-color'];

/** Each of our modules records itself when it first runs (after its "use strict", which must stay first). */
function recordLoadedModules(dist) {
  return {
    name: 'record-loaded-modules',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(dist + sep)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        const record = `__loadedModules.push(${JSON.stringify(relative(dist, args.path).split(sep).join('/'))});`;
        const strict = source.match(/^"use strict";\r?\n/);
        const contents = strict ? `${strict[0]}${record}\n${source.slice(strict[0].length)}` : `${record}\n${source}`;
        return { contents, loader: 'js' };
      });
    },
  };
}

function debugOnlyWhenAsked(dist) {
  return {
    name: 'debug-only-when-asked',
    setup(build) {
      build.onResolve({ filter: /^debug$/ }, (args) =>
        args.importer.includes(`${sep}require-in-the-middle${sep}`) ? { path: join(dist, 'hooks', 'ritm-debug.js') } : undefined,
      );
    },
  };
}

/**
 * Our modules get @opentelemetry/api as one plain object: its CommonJS build, whose re-exports
 * are getters, copied once into data properties. tsc's output reads `api_1.context` at every use,
 * and through the getters (two of them with the ESM build esbuild would pick) each read cost a
 * call: 0.35 µs a request on fastify. The api's exports are constants, so the copy loses nothing.
 */
function apiAsPlainObject(dist, root) {
  const main = createRequire(join(root, 'package.json')).resolve('@opentelemetry/api');
  return {
    name: 'api-as-plain-object',
    setup(build) {
      build.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) =>
        args.importer.startsWith(dist + sep) ? { path: relative(root, main).split(sep).join('/'), namespace: 'api-plain-object' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'api-plain-object' }, (args) => ({
        contents: `module.exports = { ...require(${JSON.stringify(join(root, args.path))}) };`,
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

// esbuild renames a function expression that has its variable's name (`const next = function
// next` becomes `function next2`): a wrapper's .name the app can see. Such code must be declared.
function renamedFunctionNames(bundle) {
  const renamed = [...bundle.matchAll(/\b(\w+)\s*=\s*(?:async\s+)?(?:function\*?|class)\s+(\1\d+)\b/g)].map((m) => `${m[1]} -> ${m[2]}`);
  if (renamed.length > 0) throw new Error(`the bundle renamed functions the app can see (declare them instead): ${renamed.join(', ')}`);
}

// A source with one character beyond ASCII is a two-byte string to V8 (1.2 MB instead of 630 KB):
// the three arrows and dashes that tsc kept in comments made every start 7 ms slower on Node 24
// (60 against 67 ms for `--import … -e 0`, bare 40), in the read, the compile and the code cache.
// esbuild writes strings, template literals and regular expressions in ASCII with escapes
// already, so what is left is in comments, where \u2192 reads as well as the arrow. Anything else
// stops the build.
export function asciiOnly(bundle) {
  const lines = bundle.split('\n');
  let inBlockComment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const wide = /[^\x00-\x7f]/.exec(line);
    if (wide !== null) {
      const before = line.slice(0, wide.index);
      const inComment = inBlockComment || before.includes('//') || before.includes('/*') || /^\s*\*/.test(line);
      if (!inComment) throw new Error(`bundle line ${i + 1}: a character beyond ASCII outside a comment: ${line.trim().slice(0, 120)}`);
      lines[i] = line.replace(/[^\x00-\x7f]/gu, (c) => `\\u${c.codePointAt(0).toString(16).padStart(4, '0')}`);
    }
    // Block comments as tsc prints them: a line that opens one without closing it, up to the line that closes it.
    if (inBlockComment) inBlockComment = !line.includes('*/');
    else if (/^\s*\/\*/.test(line) && !line.includes('*/')) inBlockComment = true;
  }
  return lines.join('\n');
}

export async function bundlePreload(root) {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  const dist = join(root, 'dist');
  await esbuild.build({
    entryPoints: [join(dist, 'agent', 'preload.js')],
    outfile: join(dist, BUNDLE),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: `"use strict";\nconst __loadedModules = (globalThis[${LOADED_MODULES_KEY}] ??= []);` },
    plugins: [apiAsPlainObject(dist, root), debugOnlyWhenAsked(dist), recordLoadedModules(dist)],
    logLevel: 'warning',
  });
  const bundle = asciiOnly(readFileSync(join(dist, BUNDLE), 'utf8'));
  renamedFunctionNames(bundle);
  // Wrapped as a CommonJS module here, not at every start (src/agent/bundle-cache.ts).
  const { BUNDLE_WRAPPER } = createRequire(join(root, 'package.json'))(join(dist, 'agent', 'bundle-cache.js'));
  writeFileSync(join(dist, BUNDLE), BUNDLE_WRAPPER[0] + bundle + BUNDLE_WRAPPER[1]);
  // The key of its code cache (src/agent/bundle-cache.ts): a new build never runs an old cache.
  const id = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  appendFileSync(join(dist, BUNDLE), `// otel-instrument bundle ${id}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundlePreload(join(dirname(fileURLToPath(import.meta.url)), '..'));
