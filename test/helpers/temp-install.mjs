// Real package layouts for the compatibility tests: an app's package.json (and any other files)
// installed from the npm registry by npm, pnpm or yarn classic, exactly as a user's install lays
// it out. The apps live outside the repo, so Node never finds a package in the repo's own
// node_modules that the layout itself lacks (pnpm's strictness is part of what is tested).
//
// Installs are cached, keyed by the package manager, its version and the files' content, under
// ${OTEL_INSTRUMENT_CI_CACHE:-~/.cache/otel-instrument-ci}/compat-apps (where scripts/ci-node.sh
// keeps its Node.js binaries): CI's fresh clones reuse them on the same machine, and a rerun
// installs nothing. The pnpm store and the yarn cache live there too. Tests copy their app files
// in after the install, so editing an app never reinstalls.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const CI_CACHE = process.env.OTEL_INSTRUMENT_CI_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'otel-instrument-ci');
export const COMPAT_CACHE = join(CI_CACHE, 'compat-apps');

// The package managers other than npm, pinned so that a cache key means one layout.
export const TOOLS = { pnpm: '9.15.9', yarn: '1.22.22' };

const MARKER = '.oteli-installed';

/** The environment for a package manager: no NODE_OPTIONS (it would trace the installer), no test runner state, no npm_* of an outer npm. */
export function installerEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k === 'NODE_OPTIONS' || k.startsWith('NODE_TEST') || /^npm_/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Resolves with { code, stdout, stderr }; never rejects on a non-zero exit. */
export function run(command, args, { cwd, env = installerEnv(), timeoutMs = 180000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let registry;
/** The registry npm is configured with (a mirror, say), which pnpm and yarn are given too. */
function npmRegistry() {
  registry ??= spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', env: installerEnv() }).stdout.trim() || 'https://registry.npmjs.org/';
  return registry;
}

/** Writes `files` ({ relativePath: string | object (JSON) }) under `dir`. */
export function writeFiles(dir, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** Installs into `tmp` and renames it to `dir`, so a half-done install is never taken for a done one. */
async function installOnce(dir, install) {
  if (existsSync(join(dir, MARKER))) return dir;
  mkdirSync(COMPAT_CACHE, { recursive: true });
  const tmp = mkdtempSync(join(COMPAT_CACHE, '.tmp-'));
  try {
    await install(tmp);
    writeFileSync(join(tmp, MARKER), new Date().toISOString());
    // Another test process (the runner runs two files at once) may have finished the same key
    // meanwhile, and be using it: keep theirs. Only a leftover without the marker is replaced.
    if (existsSync(join(dir, MARKER))) return dir;
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another test process installed the same key meanwhile: use theirs.
      if (!existsSync(join(dir, MARKER))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The bin of a pinned package manager (TOOLS), installed once into the cache by npm. */
export async function toolBin(name) {
  const version = TOOLS[name];
  const dir = join(COMPAT_CACHE, `tool-${name}-${version}`);
  await installOnce(dir, async (tmp) => {
    const result = await run('npm', ['install', '--prefix', tmp, '--no-save', '--no-package-lock', '--prefer-offline', '--loglevel=error', `${name}@${version}`], { cwd: tmp });
    if (result.code !== 0) throw new Error(`installing ${name}@${version} failed:\n${result.stderr}`);
  });
  return join(dir, 'node_modules', '.bin', name);
}

async function installWith(manager, cwd) {
  const reg = npmRegistry();
  let result;
  if (manager === 'npm') {
    result = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd });
  } else if (manager === 'pnpm') {
    result = await run(await toolBin('pnpm'), ['install', '--prefer-offline', '--store-dir', join(COMPAT_CACHE, 'pnpm-store'), '--registry', reg, '--reporter=append-only'], { cwd });
  } else if (manager === 'yarn') {
    result = await run(await toolBin('yarn'), ['install', '--prefer-offline', '--non-interactive', '--no-progress', '--cache-folder', join(COMPAT_CACHE, 'yarn-cache'), '--registry', reg], { cwd });
  } else {
    throw new Error(`unknown package manager ${manager}`);
  }
  if (result.code !== 0) throw new Error(`${manager} install failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/**
 * An app folder whose `files` (package.json and the like) were installed by `manager` ('npm',
 * 'pnpm', 'yarn'); cached by content. Resolves with its real path.
 * `pack`: folders among `files` to `npm pack` first (into <folder>.tgz, which a package.json can
 * name as `file:./<folder>.tgz`), so that they install as a registry package would: copied into
 * node_modules with their own dependencies nested under them, where a `file:` folder is a symlink.
 */
export async function installedApp(manager, files, { pack = [] } = {}) {
  const key = createHash('sha256').update(JSON.stringify([manager, TOOLS[manager] ?? 'npm', files, pack])).digest('hex').slice(0, 16);
  const dir = join(COMPAT_CACHE, `${manager}-${key}`);
  await installOnce(dir, async (tmp) => {
    writeFiles(tmp, files);
    for (const folder of pack) {
      const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: join(tmp, folder) });
      if (packed.code !== 0) throw new Error(`npm pack ${folder} failed:\n${packed.stderr}`);
      renameSync(join(tmp, JSON.parse(packed.stdout)[0].filename), join(tmp, `${folder}.tgz`));
    }
    await installWith(manager, tmp);
  });
  return realpathSync(dir);
}

/** A throw-away copy of an installed app (for a test that installs more into it); symlinks kept as they are. */
export function copyOfApp(dir, into) {
  cpSync(dir, into, { recursive: true, verbatimSymlinks: true });
  return into;
}

/** The version of `name` as resolved from `dir`, and the real path of its folder. */
export function resolvedPackage(dir, name) {
  const out = spawnSync(process.execPath, ['-p', `const p = require.resolve('${name}/package.json'); JSON.stringify({ path: require('fs').realpathSync(require('path').dirname(p)), version: require(p).version })`], { cwd: dir, encoding: 'utf8', env: installerEnv() });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
}

/** Reads a JSON file. */
export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** `npm pack` of the repo (built by test/run.mjs) into `workDir`: the tarball users would install. */
export async function packAgent(root, workDir) {
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir], { cwd: root });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  return join(workDir, JSON.parse(packed.stdout)[0].filename);
}
