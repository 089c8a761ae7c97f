/** The person-readable `bootstrap` report. */
import type { BootstrapReport } from './inspect';

const STATUS_TEXT = { traced: 'will be traced', unsupported: 'unsupported version: not traced', 'not-installed': 'not installed' } as const;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function renderReport(report: BootstrapReport): string {
  const out: string[] = [];
  out.push(`otel-instrument bootstrap: ${report.app.name ?? '(unnamed app)'} in ${report.app.dir}`, '');
  out.push(
    ...table(
      ['library', 'installed', 'supported', 'status', 'id'],
      report.libraries.map((r) => [r.module, r.installed ?? '-', r.supported, STATUS_TEXT[r.status], r.id]),
    ),
  );
  out.push('');
  const node = `Node.js ${report.node.version} (${report.node.supported ? 'supported' : `not supported: otel-instrument needs ${report.node.required}; the app runs untraced`})`;
  out.push(`Built in, with ${node}:`);
  out.push(...table(['module', 'status', 'id'], report.builtins.map((b) => [b.module, b.status === 'traced' ? 'will be traced' : 'not traced', b.id])));
  out.push('');
  const type = { commonjs: 'CommonJS', module: 'an ES module app', typescript: 'TypeScript' }[report.app.moduleType];
  out.push(`The app is ${type}${report.app.main ? ` (main: ${report.app.main})` : ''}. Start it with:`);
  out.push(`  ${report.start.command}`);
  out.push('or, without the CLI:');
  out.push(`  ${report.start.nodeOptions}`);
  if (report.start.startScript) {
    out.push('', 'package.json "start" script, rewritten:');
    out.push(`  "start": ${JSON.stringify(report.start.startScript.rewritten)}`);
  }
  if (report.conflicts.length > 0) {
    out.push('', 'Conflicts:');
    for (const c of report.conflicts) {
      out.push(`  ${c.package}${c.version ? `@${c.version}` : ''} (${c.kind === 'agent' ? 'another tracing agent' : c.kind === 'sdk' ? 'an OpenTelemetry SDK of its own' : 'an OpenTelemetry instrumentation of its own'}): ${c.effect}.`);
      out.push(`    What to do: ${c.action}.`);
    }
  }
  const unsupported = report.libraries.filter((r) => r.status === 'unsupported');
  if (unsupported.length > 0) out.push('', `Not traced: ${unsupported.map((r) => `${r.module}@${r.installed} (supported: ${r.supported})`).join(', ')}.`);
  return `${out.join('\n')}\n`;
}
