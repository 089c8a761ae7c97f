/**
 * `otel-instrument bootstrap [dir] [--json] [--action requirements] [--strict]`: what will be
 * traced in an app, and exactly how to start it. Exit codes: 0; 1 with --strict when an installed
 * library is outside its supported range; 2 for bad arguments or a folder without package.json.
 * Loaded only for this command: the run path of the CLI never pays for the definitions.
 */
import { BootstrapError, inspectApp } from './inspect';
import { renderReport } from './render';

export interface BootstrapOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const BOOTSTRAP_USAGE = 'usage: otel-instrument bootstrap [dir] [--json] [--action requirements] [--strict]';

export function runBootstrap(args: readonly string[], output: BootstrapOutput): number {
  let dir: string | undefined;
  let json = false;
  let strict = false;
  let action: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') json = true;
    else if (arg === '--strict') strict = true;
    else if (arg === '--action' || arg.startsWith('--action=')) {
      action = arg.includes('=') ? arg.slice('--action='.length) : args[++i];
      if (action !== 'requirements') {
        output.err(`otel-instrument: bootstrap --action takes "requirements" (${BOOTSTRAP_USAGE})\n`);
        return 2;
      }
    } else if (arg === '--help' || arg === '-h') {
      output.out(`${BOOTSTRAP_USAGE}\n`);
      return 0;
    } else if (arg.startsWith('-') || dir !== undefined) {
      output.err(`otel-instrument: bootstrap: unexpected argument ${JSON.stringify(arg)} (${BOOTSTRAP_USAGE})\n`);
      return 2;
    } else dir = arg;
  }
  let report;
  try {
    report = inspectApp(dir ?? process.cwd());
  } catch (err) {
    if (err instanceof BootstrapError) {
      output.err(`otel-instrument: bootstrap: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (action === 'requirements') {
    // The Python command's spelling, for scripts: the ids that apply, one per line.
    const ids = new Set([...report.builtins.filter((b) => b.status === 'traced').map((b) => b.id), ...report.libraries.filter((l) => l.status === 'traced').map((l) => l.id)]);
    output.out([...ids].map((id) => `${id}\n`).join(''));
  } else if (json) {
    output.out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    output.out(renderReport(report));
  }
  return strict && report.libraries.some((l) => l.status === 'unsupported') ? 1 : 0;
}
