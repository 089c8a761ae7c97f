/**
 * The command line almost every start has, `otel-instrument [--flag value | --flag=value]...
 * <command> [args...]`, parsed without commander: loading commander (and the node:child_process
 * it requires) and registering our ~100 options, each checked against the ones before it, was
 * most of the launcher's own start-up, paid before the app's.
 *
 * It answers only what commander would answer the same (unit-tested against it): long flags of
 * ours, each with its value, then the command. Anything else (help, version, a short or unknown
 * flag, a missing value or command, `bootstrap`) is undefined, and index.ts asks commander,
 * which says what is wrong in its own words.
 */
import { envForFlag } from './flags';

export interface CommonCase {
  readonly command: readonly string[];
  readonly envOverrides: Readonly<Record<string, string>>;
}

export function parseCommonCase(args: readonly string[]): CommonCase | undefined {
  const envOverrides: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // As commander with passThroughOptions: the first argument that is not an option is the
    // command, and everything from there on is the command's, options or not.
    if (arg.length < 2 || arg[0] !== '-') return arg === 'bootstrap' ? undefined : { command: args.slice(i), envOverrides };
    if (arg === '--' || !arg.startsWith('--')) return undefined;
    const equals = arg.indexOf('=');
    const env = envForFlag(equals === -1 ? arg.slice(2) : arg.slice(2, equals));
    if (env === undefined) return undefined;
    if (equals !== -1) {
      envOverrides[env] = arg.slice(equals + 1);
      continue;
    }
    // A flag's value is the next argument, whatever it looks like (commander's rule too).
    if (i + 1 === args.length) return undefined;
    // Later occurrences win, whichever spelling they use.
    envOverrides[env] = args[++i]!;
  }
  return undefined; // no command
}
