/**
 * `otel-instrument [flags] <command> [args...]`. Deliberately dumb and light: flags become env
 * vars, run-command.ts does the rest. Nothing here may load the SDK or an instrumentation; the
 * preload in the child does all of that, so `node --import otel-instrument/register` behaves
 * the same as the CLI.
 */
import type { Command } from 'commander';
import { VERSION } from '../version';
import { parseCommonCase } from './common-case';
import { FLAGS, envForFlag, flagHelp } from './flags';
import { runCommand } from './run-command';

type Commander = typeof import('commander');

/** Wrong usage (missing command, unknown flag, missing value): the conventional exit code. */
export const USAGE_EXIT_CODE = 2;

export type ParsedArguments =
  | { readonly kind: 'run'; readonly command: readonly string[]; readonly envOverrides: Readonly<Record<string, string>> }
  | { readonly kind: 'bootstrap'; readonly args: readonly string[] }
  | { readonly kind: 'exit'; readonly exitCode: number };

export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const defaultOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function usageError(output: CliOutput, message: string): ParsedArguments {
  output.err(`otel-instrument: ${message}\n`);
  return { kind: 'exit', exitCode: USAGE_EXIT_CODE };
}

function buildProgram({ Command, Option }: Commander, output: CliOutput, onFlag: (flagName: string, value: string) => void): Command {
  const program = new Command('otel-instrument')
    .usage('[flags] <command> [args...]\n       otel-instrument bootstrap [dir] [--json] [--action requirements] [--strict]')
    .description(
      'Run a command with OpenTelemetry tracing.\n' +
        'Each flag sets the OTEL_* variable it names and overrides the environment;\n' +
        'kebab-case spellings (--service-name) are accepted too.\n' +
        'Flags are read only before the command; everything from the command on is passed through untouched.',
    )
    .argument('[command...]', 'the command to run and its arguments')
    // Stop option parsing at the first non-option, so the app's own flags reach the app.
    .passThroughOptions()
    .helpOption('-h, --help', 'print this help')
    .version(VERSION, '-v, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: output.out,
      writeErr: output.err,
      // Commander's messages span lines ("error: …\n(Did you mean …?)"); ours is one line.
      outputError: (text, write) => {
        const oneLine = text.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim();
        write(`otel-instrument: ${oneLine} (see --help)\n`);
      },
    });

  for (const flag of FLAGS) {
    program.addOption(new Option(`--${flag.snakeName} <value>`, flagHelp(flag.setting)));
    if (flag.kebabName !== flag.snakeName) program.addOption(new Option(`--${flag.kebabName} <value>`).hideHelp());
  }
  for (const option of program.options) {
    const name = option.name();
    program.on(`option:${name}`, (value: string) => onFlag(name, value));
  }
  return program;
}

/** Parse argv (without node and the script). Pure apart from writing help/errors to `output`. */
export function parseArguments(args: readonly string[], output: CliOutput = defaultOutput): ParsedArguments {
  const common = parseCommonCase(args);
  if (common !== undefined) return { kind: 'run', command: common.command, envOverrides: common.envOverrides };
  return parseWithCommander(args, output);
}

/** Every command line, help, version and usage errors included (../../test/unit/cli-flags.test.mjs compares the two). */
export function parseWithCommander(args: readonly string[], output: CliOutput = defaultOutput): ParsedArguments {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const commander = require('commander') as Commander;
  const envOverrides: Record<string, string> = {};
  const program = buildProgram(commander, output, (flagName, value) => {
    const env = envForFlag(flagName);
    // Later occurrences win, whichever spelling they use.
    if (env !== undefined) envOverrides[env] = value;
  });

  try {
    program.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof commander.CommanderError) {
      // Help and version end in a CommanderError too, with exit code 0.
      return { kind: 'exit', exitCode: err.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
    }
    throw err;
  }

  const command = program.args;
  if (command.length === 0) return usageError(output, 'missing command (usage: otel-instrument [flags] <command> [args...])');
  if (command[0] === 'bootstrap') return { kind: 'bootstrap', args: command.slice(1) };
  return { kind: 'run', command, envOverrides };
}

export function main(args: readonly string[] = process.argv.slice(2)): void {
  const parsed = parseArguments(args);
  if (parsed.kind === 'exit') {
    process.exitCode = parsed.exitCode;
    return;
  }
  if (parsed.kind === 'bootstrap') {
    // Required here: the run path never loads the instrumentation definitions.
    const { runBootstrap } = require('./bootstrap') as typeof import('./bootstrap');
    process.exitCode = runBootstrap(parsed.args, defaultOutput);
    return;
  }
  runCommand(parsed.command, parsed.envOverrides);
}
