/**
 * Finds the file a command name runs, as execvp(3) would, before we exec or spawn it: so that
 * "not found" (127) and "not executable" (126) are our own one-line errors on both launch paths,
 * as with `env`, `nohup` and `timeout`.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const COMMAND_NOT_FOUND_EXIT_CODE = 127;
export const CANNOT_EXECUTE_EXIT_CODE = 126;

export type ResolvedCommand =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly exitCode: number; readonly message: string };

type Probe = 'runnable' | 'not-executable' | 'missing';

function probe(path: string): Probe {
  try {
    if (!statSync(path).isFile()) return 'not-executable';
    accessSync(path, constants.X_OK);
    return 'runnable';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES' ? 'not-executable' : 'missing';
  }
}

export function resolveCommand(file: string, pathVariable: string | undefined): ResolvedCommand {
  if (file === '') return { ok: false, exitCode: COMMAND_NOT_FOUND_EXIT_CODE, message: 'command not found: (empty)' };
  const notFound = { ok: false, exitCode: COMMAND_NOT_FOUND_EXIT_CODE, message: `command not found: ${file}` } as const;
  const denied = { ok: false, exitCode: CANNOT_EXECUTE_EXIT_CODE, message: `permission denied: ${file}` } as const;
  // A name with a slash is a path, never looked up on PATH (POSIX).
  if (file.includes('/')) {
    const found = probe(file);
    return found === 'runnable' ? { ok: true, path: file } : found === 'missing' ? notFound : denied;
  }
  // execvp: an empty PATH entry means the current directory; a match that cannot be run is
  // remembered, and reported only when no later entry can run the name.
  let sawNotExecutable = false;
  for (const dir of (pathVariable ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir === '' ? '.' : dir, file);
    const found = probe(candidate);
    if (found === 'runnable') return { ok: true, path: candidate };
    if (found === 'not-executable') sawNotExecutable = true;
  }
  return sawNotExecutable ? denied : notFound;
}
