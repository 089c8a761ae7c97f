// Finds the W3C Trace Context validation harness (w3c/trace-context's test/ folder, kept unchanged
// outside the repo) and a Python that can run it (it needs aiohttp), and runs it. Each finder
// returns { found } or { missing: why }, so the test can skip and say exactly what is absent.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ROOT, spawnProcess } from './run-cli.mjs';
import { unusedPort } from './listen.mjs';

/** The harness: $W3C_TRACE_CONTEXT_DIR when set, else ../shared/w3c-trace-context beside the repo. */
export function findHarness() {
  const fromEnv = process.env.W3C_TRACE_CONTEXT_DIR;
  const dir = fromEnv ? resolve(fromEnv) : join(ROOT, '..', 'shared', 'w3c-trace-context');
  if (existsSync(join(dir, 'test.py'))) return { found: dir };
  const where = fromEnv ? `W3C_TRACE_CONTEXT_DIR=${fromEnv}` : `${dir} (set W3C_TRACE_CONTEXT_DIR to its folder)`;
  return { missing: `W3C trace-context harness not found: no test.py in ${where}` };
}

// Debian's python3-aiohttp installs for /usr/bin/python3; the `python3` on PATH may be another
// Python (pyenv, a venv) without it. .ci/run looks in the same places.
const PYTHONS = ['/usr/bin/python3', 'python3'];

export function findPython() {
  for (const python of PYTHONS) {
    const probe = spawnSync(python, ['-c', 'import aiohttp'], { stdio: 'ignore' });
    if (probe.status === 0) return { found: python };
  }
  return { missing: `no Python 3 with aiohttp (tried ${PYTHONS.join(', ')}; apt-get install python3-aiohttp)` };
}

/** Runs `python test.py <endpoint>` on a free port; resolves with { code, stdout, stderr }. */
export async function runHarness({ python, dir, endpoint, env = {} }) {
  const port = String(await unusedPort());
  return spawnProcess(python, ['test.py', endpoint], {
    cwd: dir,
    timeoutMs: 120000,
    env: {
      HARNESS_HOST: '127.0.0.1',
      HARNESS_PORT: port,
      // The harness folder is not ours: no __pycache__ written into it.
      PYTHONDONTWRITEBYTECODE: '1',
      ...env,
    },
  }).result;
}
