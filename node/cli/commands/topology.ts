/**
 * `geomesh topology ...`: validate and show topology files; `apply`, `diff` and `get` against etcd are in
 * topology-etcd.ts.
 */
import { Option, type Command } from 'commander';
import { isGeomeshError } from '../../../base/index.ts';
import { TOPOLOGY_FORMATS, renderTopology, type TopologyFormat } from '../../../topology/index.ts';
import type { CliContext } from '../cli-context.ts';
import { loadTopologyFile, printDiagnostics } from '../load-topology.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { registerTopologyEtcdCommands } from './topology-etcd.ts';

const SCHEMA_HELP = `
Files are YAML; see docs/topology.md. \${NAME} references are resolved from the environment.
Exit codes: 0 valid, 1 unexpected failure, 2 invalid topology, 64 usage error, 66 file not readable.`;

/** Adds the `topology` command and its verbs to `program`. */
export function registerTopologyCommands(program: Command, context: CliContext): void {
  const topology = program
    .command('topology')
    .description('validate and inspect topology files; apply them to etcd')
    .addHelpText('after', SCHEMA_HELP);

  topology
    .command('validate')
    .description('check topology files and report every problem with file:line:col')
    .argument('<files...>', 'topology YAML files (each is checked on its own)')
    .option('--json', 'print a JSON report on stdout instead of text on stderr (an array for several files)')
    .addHelpText(
      'after',
      `${SCHEMA_HELP}\nWith several files the exit code is the worst: 66 before 2 before 0.`,
    )
    .action(async (files: string[], options: { json?: boolean }) => {
      const reports: object[] = [];
      let [invalid, unreadable] = [false, false];
      for (const file of files) {
        let result: Awaited<ReturnType<typeof loadTopologyFile>>;
        try {
          result = await loadTopologyFile(file, context);
        } catch (err) {
          if (!isGeomeshError(err, 'GEOMESH_CLI_INPUT')) throw err;
          unreadable = true;
          if (options.json === true) reports.push({ file, valid: false, error: err.message });
          else context.stderr(`geomesh: ${err.message}\n`);
          continue;
        }
        invalid ||= !result.ok;
        const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
        const warnings = result.diagnostics.length - errors;
        if (options.json === true) {
          reports.push({
            file,
            valid: result.ok,
            errors,
            warnings,
            diagnostics: result.diagnostics,
            ...(result.ok ? { mesh: result.topology.mesh, hash: result.topology.hash } : {}),
          });
          continue;
        }
        printDiagnostics(result, context);
        if (result.ok) {
          const t = result.topology;
          context.stdout(
            `${file}: valid: mesh ${t.mesh}, ${t.regions.length} regions, ${t.links.length} link${t.links.length === 1 ? '' : 's'}` +
              `${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''} (hash ${t.hash.slice(0, 12)})\n`,
          );
        }
      }
      if (options.json === true)
        context.stdout(`${JSON.stringify(files.length === 1 ? reports[0] : reports, null, 2)}\n`);
      context.setExitCode(unreadable ? EXIT_CODES.noInput : invalid ? EXIT_CODES.invalid : EXIT_CODES.ok);
    });

  topology
    .command('show')
    .description('print regions, links and the forwarding route of every origin')
    .argument('<file>', 'topology YAML file')
    .addOption(
      new Option('--format <format>', 'output format: text, json, dot (Graphviz) or mermaid')
        .choices(TOPOLOGY_FORMATS)
        .default('text'),
    )
    .addHelpText('after', SCHEMA_HELP)
    .action(async (file: string, options: { format: TopologyFormat }) => {
      const result = await loadTopologyFile(file, context);
      printDiagnostics(result, context);
      if (!result.ok) {
        context.setExitCode(EXIT_CODES.invalid);
        return;
      }
      context.stdout(renderTopology(result.topology, options.format));
      context.setExitCode(EXIT_CODES.ok);
    });

  registerTopologyEtcdCommands(topology, context);
}
