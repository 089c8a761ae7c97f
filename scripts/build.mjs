// Compiles src/ into a fresh dist/ (stale files from renamed sources must not survive), then
// bundles the preload's graph into one file (./bundle-preload.mjs).
// `npm run build`, `npm pack` (prepack) and the test runner all build through here, so the
// tests always run what the source says.
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function build() {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) return result.status ?? 1;
  // In a child, as tsc: esbuild's plugins need its async API, and build() stays synchronous.
  const bundled = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-preload.mjs')], { stdio: 'inherit' });
  return bundled.status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(build());
