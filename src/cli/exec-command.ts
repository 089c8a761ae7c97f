/**
 * The launch path where Node.js has process.execve (22.15+, 23.11+, 24): the CLI replaces itself
 * with the command, as `env`, `nohup` and Python's opentelemetry-instrument do. One process, so
 * signals, exit codes, the terminal, the process group and `process.pid` are the app's own and
 * nothing is forwarded.
 */
import { CANNOT_EXECUTE_EXIT_CODE } from './resolve-command';

type Execve = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => never;

export function canExec(): boolean {
  return typeof (process as { execve?: unknown }).execve === 'function';
}

/** Never returns: the process becomes the command, or exits 126 saying why it could not. */
export function execCommand(path: string, argv: readonly string[], env: NodeJS.ProcessEnv): never {
  const execve = (process as unknown as { execve: Execve }).execve;
  // execve(2) takes strings only; Node's env copy can hold none other, but a caller's could.
  const cleanEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (typeof value === 'string') cleanEnv[key] = value;
  try {
    return execve.call(process, path, argv, cleanEnv);
  } catch (err) {
    // ENOEXEC (a script without #!), E2BIG, a NUL byte in an argument.
    process.stderr.write(`otel-instrument: cannot run ${argv[0]}: ${(err as Error).message}\n`);
    process.exit(CANNOT_EXECUTE_EXIT_CODE);
  }
}
