// The version-matrix fixtures (test/fixtures/frameworks/<variant>/, installed by
// scripts/install-fixtures.mjs): an app file from test/fixtures/frameworks/apps/ is copied into
// the variant's folder, so that Node resolves the library from that variant's node_modules under
// its real name, as in a user's app.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './run-cli.mjs';

export const FRAMEWORKS = join(FIXTURES, 'frameworks');

/** The installed version of `library` in a variant, or a test failure naming the install step. */
export function variantVersion(variant, library) {
  const manifest = join(FRAMEWORKS, variant, 'node_modules', library, 'package.json');
  if (!existsSync(manifest)) throw new Error(`${variant}: ${library} is not installed; run node scripts/install-fixtures.mjs`);
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

/** Path of `app` (a file in apps/) copied into the variant's folder. */
export function appIn(variant, app) {
  const dir = join(FRAMEWORKS, variant, '.apps');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, app);
  copyFileSync(join(FRAMEWORKS, 'apps', app), target);
  return target;
}
