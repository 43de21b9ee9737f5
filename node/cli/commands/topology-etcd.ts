/**
 * `geomesh topology apply | diff | get`: the topology in etcd, the mesh's source of truth. `apply` and `diff`
 * connect to the etcd named in the file (endpoints, TLS and auth from it); `get` to the one named on the command
 * line. Every etcd wait is bounded: an unreachable etcd is reported within the dial timeout.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  connectCoordinator,
  coordinationOptionsFor,
  type CoordinationOptions,
  type EtcdCoordinator,
} from '../../coordination/index.ts';
import { GeomeshError, isGeomeshError } from '../../../base/index.ts';
import { silentLogger } from '../../log/index.ts';
import { TopologyStore, type ApplyTopologyResult, type StoredTopology } from '../../topology-store/index.ts';
import { formatDiagnostic, type TopologyDiff } from '../../../topology/index.ts';
import type { CliContext } from '../cli-context.ts';
import { loadTopologyFile } from '../load-topology.ts';
import { EXIT_CODES } from '../exit-codes.ts';

/** How long to keep trying to reach etcd before giving up, and each request's deadline. */
const DIAL_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 3_000;
/** Bound on a whole verb's work against etcd. */
const OPERATION_TIMEOUT_MS = 30_000;

const APPLY_HELP = `
Stores the file's canonical form (\${ENV} references, never secret values) in etcd as the next version; nodes
watch it and apply the change without a restart. Applying the content already current is a no-op.
Exit codes: 0 applied or unchanged, 1 failure (etcd unreachable, permission), 2 invalid topology,
3 conflict (etcd's current version is not --expected-version, or another apply got in first),
64 usage error, 66 file not readable.`;

const DIFF_HELP = `
Compares the file with etcd's current version and writes nothing (the same as apply --dry-run).
Exit codes: 0 compared, 1 failure, 2 invalid topology, 64 usage error, 66 file not readable.`;

const GET_HELP = `
Prints etcd's current topology (or --topology-version N from the history) on stdout as canonical JSON, itself a valid
topology file; the version line goes to stderr. The etcd password, if any, is read from GEOMESH_ETCD_PASSWORD.
Exit codes: 0 printed, 1 failure or no such version, 64 usage error.`;

function parseVersion(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected a version number (0, 1, 2, ...)');
  }
  return n;
}

/** Adds `apply`, `diff` and `get` to the `topology` command. */
export function registerTopologyEtcdCommands(topology: Command, context: CliContext): void {
  topology
    .command('apply')
    .description("make a topology file the mesh's current topology in etcd (versioned, compare-and-swap)")
    .argument('<file>', 'topology YAML file')
    .option('--dry-run', 'show what would change and the version it would become; write nothing')
    .addOption(
      new Option(
        '--expected-version <n>',
        'apply only if this is the current version in etcd (0: none yet), e.g. the one you reviewed',
      ).argParser(parseVersion),
    )
    .option('--json', 'print the outcome and the diff as JSON on stdout')
    .addHelpText('after', APPLY_HELP)
    .action(async (file: string, options: { dryRun?: boolean; expectedVersion?: number; json?: boolean }) => {
      await applyOrDiff(file, context, {
        dryRun: options.dryRun === true,
        json: options.json === true,
        ...(options.expectedVersion !== undefined && { expectedVersion: options.expectedVersion }),
      });
    });

  topology
    .command('diff')
    .description("compare a topology file with etcd's current version (writes nothing)")
    .argument('<file>', 'topology YAML file')
    .option('--json', 'print the comparison as JSON on stdout')
    .addHelpText('after', DIFF_HELP)
    .action(async (file: string, options: { json?: boolean }) => {
      await applyOrDiff(file, context, { dryRun: true, json: options.json === true });
    });

  topology
    .command('get')
    .description("print the mesh's current topology from etcd")
    .requiredOption('--mesh <name>', 'mesh name')
    .requiredOption('--etcd <url...>', 'etcd client URLs, e.g. http://127.0.0.1:2379')
    .addOption(
      new Option('--topology-version <n>', 'a version from the history instead').argParser(parseVersion),
    )
    .option('--etcd-ca <file>', 'PEM file of the CAs that sign etcd’s certificate')
    .option('--etcd-cert <file>', 'PEM client certificate for etcd (with --etcd-key)')
    .option('--etcd-key <file>', 'PEM client key for etcd (with --etcd-cert)')
    .option('--etcd-user <name>', 'etcd user (password from GEOMESH_ETCD_PASSWORD)')
    .option('--json', 'print {mesh, version, hash, appliedAt, topology} as JSON')
    .addHelpText('after', GET_HELP)
    .action(
      async (options: {
        mesh: string;
        etcd: string[];
        topologyVersion?: number;
        etcdCa?: string;
        etcdCert?: string;
        etcdKey?: string;
        etcdUser?: string;
        json?: boolean;
      }) => {
        const tls = {
          ...(options.etcdCa !== undefined && { ca: options.etcdCa }),
          ...(options.etcdCert !== undefined && { cert: options.etcdCert }),
          ...(options.etcdKey !== undefined && { key: options.etcdKey }),
        };
        const coordinationOptions: CoordinationOptions = {
          endpoints: options.etcd,
          mesh: options.mesh,
          logger: silentLogger(),
          dialTimeoutMs: DIAL_TIMEOUT_MS,
          requestTimeoutMs: REQUEST_TIMEOUT_MS,
          ...(Object.keys(tls).length > 0 && { tls }),
          ...(options.etcdUser !== undefined && {
            auth: { username: options.etcdUser, password: context.env['GEOMESH_ETCD_PASSWORD'] ?? '' },
          }),
        };
        await reportFailures('get', context, 'the --etcd URLs and --mesh', async () => {
          const record = await withStore(coordinationOptions, async (store, signal) =>
            options.topologyVersion === undefined
              ? store.current({ signal })
              : store.version(options.topologyVersion, { signal }),
          );
          if (!record) {
            context.stderr(
              options.topologyVersion === undefined
                ? `geomesh: topology get: etcd holds no topology for mesh ${options.mesh} (apply one with \`geomesh topology apply FILE\`)\n`
                : `geomesh: topology get: mesh ${options.mesh} has no topology version ${options.topologyVersion}\n`,
            );
            context.setExitCode(EXIT_CODES.failure);
            return;
          }
          printRecord(options.mesh, record, options.json === true, context);
          context.setExitCode(EXIT_CODES.ok);
        });
      },
    );
}

async function applyOrDiff(
  file: string,
  context: CliContext,
  options: { dryRun: boolean; json: boolean; expectedVersion?: number },
): Promise<void> {
  const verb = options.dryRun && options.expectedVersion === undefined ? 'diff' : 'apply';
  const result = await loadTopologyFile(file, context);
  for (const d of result.diagnostics) context.stderr(`${formatDiagnostic(d)}\n`);
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    context.stderr(
      `${errors} error${errors === 1 ? '' : 's'}: the topology is invalid; nothing was applied\n`,
    );
    context.setExitCode(EXIT_CODES.invalid);
    return;
  }
  const config = result.topology;
  await reportFailures(verb, context, `etcd.endpoints, etcd.tls and etcd.auth in ${file}`, async () => {
    const outcome = await withStore(
      coordinationOptionsFor(config, silentLogger(), {
        dialTimeoutMs: DIAL_TIMEOUT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      }),
      (store, signal) =>
        store.apply(config, {
          signal,
          env: context.env,
          dryRun: options.dryRun,
          ...(options.expectedVersion !== undefined && { expectedVersion: options.expectedVersion }),
        }),
    );
    if (options.json) context.stdout(`${JSON.stringify(outcome, null, 2)}\n`);
    else context.stdout(formatApplyResult(outcome));
    context.setExitCode(EXIT_CODES.ok);
  });
}

/** Runs `work`, turning failures into a message naming what failed and the fix, and an exit code. */
async function reportFailures(
  verb: string,
  context: CliContext,
  settings: string,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (isGeomeshError(err, 'GEOMESH_CLI_INPUT')) throw err;
    if (isGeomeshError(err, 'GEOMESH_TOPOLOGY_CONFLICT')) {
      context.stderr(`geomesh: topology ${verb}: ${err.message}\n`);
      context.setExitCode(EXIT_CODES.conflict);
      return;
    }
    if (!isGeomeshError(err)) throw err;
    const fix =
      err.code === 'GEOMESH_COORD_UNAVAILABLE'
        ? `check that etcd is running and reachable, and ${settings}`
        : err.code === 'GEOMESH_COORD_REQUEST'
          ? `check the etcd user's permissions and ${settings}`
          : err.code === 'GEOMESH_CONFIG_INVALID'
            ? `check ${settings}`
            : undefined;
    context.stderr(`geomesh: topology ${verb}: ${err.message}${fix ? ` (${fix})` : ''} [${err.code}]\n`);
    context.setExitCode(EXIT_CODES.failure);
  }
}

/** Connects, runs `work` with a store of the mesh under one overall deadline, and always disconnects. */
async function withStore<T>(
  options: CoordinationOptions,
  work: (store: TopologyStore, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.timeout(OPERATION_TIMEOUT_MS);
  let coordinator: EtcdCoordinator | undefined;
  try {
    coordinator = await connectCoordinator(options, signal);
    const store = new TopologyStore({
      coordination: coordinator,
      mesh: options.mesh,
      logger: options.logger,
    });
    return await work(store, signal);
  } catch (err) {
    if (signal.aborted && !isGeomeshError(err)) {
      throw new GeomeshError(
        'GEOMESH_COORD_UNAVAILABLE',
        `etcd at ${options.endpoints.join(', ')} did not finish within ${OPERATION_TIMEOUT_MS} ms`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    await coordinator?.stop();
  }
}

const short = (hash: string | null): string => (hash ?? '').slice(0, 12);

/** The outcome of apply / diff as text. */
export function formatApplyResult(r: ApplyTopologyResult): string {
  const replaces =
    r.previousVersion === null
      ? 'the first version'
      : `replaces version ${r.previousVersion}, hash ${short(r.previousHash)}`;
  const head =
    r.outcome === 'applied'
      ? `applied: mesh ${r.mesh} topology version ${r.version} (hash ${short(r.hash)}; ${replaces})`
      : r.outcome === 'unchanged'
        ? `unchanged: mesh ${r.mesh} topology version ${r.version} already has this content (hash ${short(r.hash)}); nothing written`
        : `dry run: would apply as mesh ${r.mesh} topology version ${r.version} (hash ${short(r.hash)}; ${replaces}); nothing written`;
  const lines = [head];
  if (r.diff) lines.push(...formatTopologyDiff(r.diff));
  else if (r.diffError !== null)
    lines.push(`  (no diff: the previous version cannot be compiled here: ${r.diffError})`);
  return `${lines.join('\n')}\n`;
}

/** A diff as indented lines; `no changes` when empty. */
export function formatTopologyDiff(diff: TopologyDiff): string[] {
  if (diff.isEmpty) return ['  no changes'];
  const lines: string[] = [];
  if (diff.mesh.length > 0) lines.push(`  changed: ${diff.mesh.join(', ')}`);
  for (const name of diff.regions.added) lines.push(`  region added: ${name}`);
  for (const name of diff.regions.removed) lines.push(`  region removed: ${name}`);
  for (const c of diff.regions.changed) lines.push(`  region changed: ${c.name} (${c.fields.join(', ')})`);
  for (const id of diff.links.added) lines.push(`  link added: ${id}`);
  for (const id of diff.links.removed) lines.push(`  link removed: ${id}`);
  for (const c of diff.links.changed) lines.push(`  link changed: ${c.id} (${c.fields.join(', ')})`);
  for (const r of diff.routes) {
    lines.push(
      `  route changed: records of ${r.origin} reach ${r.region} ${r.before === null ? 'newly' : `via ${r.before}`} → ${r.after === null ? 'no longer' : `via ${r.after}`}`,
    );
  }
  return lines;
}

function printRecord(mesh: string, record: StoredTopology, json: boolean, context: CliContext): void {
  if (json) {
    const doc = {
      mesh,
      version: record.version,
      hash: record.hash,
      appliedAt: record.appliedAt,
      topology: JSON.parse(record.canonical) as unknown,
    };
    context.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  context.stderr(
    `mesh ${mesh} topology version ${record.version} (hash ${short(record.hash)}, applied ${record.appliedAt})\n`,
  );
  context.stdout(`${JSON.stringify(JSON.parse(record.canonical), null, 2)}\n`);
}
