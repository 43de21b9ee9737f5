/**
 * `geomesh status --topology FILE [--json] [--watch [--interval-ms N]]`: the mesh at a glance. Lists the
 * topology's regions, the instances registered in etcd (or says etcd could not be read), and asks every
 * region's node for its status (Operator.GetStatus, all at once): node state, links with lag and rate, last
 * checkpoint age; each region's state recorded in etcd (active, failed over, failing back) and the failover
 * operations (running, or done). For a region
 * that shares work among several instances, each instance registered in etcd is asked too, for the
 * partitions it owns. A node that does not answer is shown as unreachable, with the reason. `--watch` redraws every interval until Ctrl-C. See docs/status.md.
 */
import type { Command } from 'commander';
import {
  connectCoordinator,
  coordinationOptionsFor,
  type EtcdCoordinator,
} from '../../coordination/index.ts';
import { silentLogger } from '../../log/index.ts';
import { renderOperations, summarizeOperation, type OperationSummary } from '../../failover/index.ts';
import { FailoverOperationStore, RegionStateStore, listClaims } from '../../region-state/index.ts';
import { createOperatorClient, type ClientTransportOptions, type OperatorClient } from '../../rpc/index.ts';
import {
  collectMeshStatus,
  instanceFromMember,
  meshLayoutOf,
  renderStatusTable,
  type MeshStatus,
} from '../../status/index.ts';
import type { TopologyConfig } from '../../../topology/index.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { loadValidTopology } from '../load-topology.ts';
import {
  operatorConnection,
  withOperatorConnectionOptions,
  type OperatorConnectionOptions,
} from '../operator-connection.ts';

const STATUS_HELP = `
Regions come from the topology; instances and region states (active, failed-over to a region and since
when, failing-back) from etcd (the topology's etcd section) when it answers; each
region's node is asked at its node.advertise address (default node.grpc); in a region that shares work (node.workSharing) every
instance registered in etcd is asked for the partitions it owns (--json lists them). Link health: ok,
lagging (lag at or above 10,000 records), halted (a partition halted by policy), down (the link is not
running), unknown (its target region's node did not answer: links are reported by the node of the region
they write into). Rates are records written per second over the node's last 5 s sampling interval.
Failover operations (geomesh failover / failback, recorded in etcd): those running (interrupted, or still
going) with the command that completes them, then the last done ones (--json: all, as failoverOperations).
--json prints the status as one JSON document (with --watch: one line per round).
Exit codes: 0 every region's node answered, 1 some did not (or a failure), 2 invalid topology,
64 usage error, 66 file not readable. With --watch: those of the last round drawn before Ctrl-C.`;

interface StatusOptions extends OperatorConnectionOptions {
  topology: string;
  json?: boolean;
  watch?: boolean;
  intervalMs: string;
}

/** The failover operations recorded in etcd, besides the mesh (null: etcd could not be read). */
interface StatusOperations {
  failoverOperations: OperationSummary[] | null;
  failoverOperationsError: string | null;
}

const ETCD_TIMEOUTS = { dialTimeoutMs: 2_000, requestTimeoutMs: 2_000 };
/** ANSI: clear the screen and go home, for --watch redraws. */
const CLEAR = '\u001b[2J\u001b[H';

function positiveInteger(text: string): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Asks the mesh; keeps its etcd connection and node clients between rounds (--watch). */
class StatusProbe {
  readonly #config: TopologyConfig;
  readonly #transport: ClientTransportOptions;
  readonly #timeoutMs: number;
  readonly #clients = new Map<string, OperatorClient>();
  /** Clients of the instances of work-sharing regions, by address. */
  readonly #instanceClients = new Map<string, OperatorClient>();
  #coordinator: EtcdCoordinator | undefined;
  #connecting: Promise<EtcdCoordinator> | undefined;

  constructor(config: TopologyConfig, transport: ClientTransportOptions, timeoutMs: number) {
    this.#config = config;
    this.#transport = transport;
    this.#timeoutMs = timeoutMs;
  }

  /** The failover operations in etcd, or why they could not be read. */
  async operations(): Promise<{ operations: OperationSummary[] | null; error: string | null }> {
    try {
      const store = await this.#etcd();
      const signal = AbortSignal.timeout(ETCD_TIMEOUTS.requestTimeoutMs);
      const [listing, claims] = await Promise.all([
        new FailoverOperationStore({ store }).list({ signal }),
        listClaims(store, { signal }),
      ]);
      return {
        operations: listing.operations.map((o) => summarizeOperation(o, claims)),
        error: listing.errors.length ? listing.errors.join('; ') : null,
      };
    } catch (err) {
      return { operations: null, error: (err as Error).message };
    }
  }

  async round(): Promise<MeshStatus & StatusOperations> {
    const [status, operations] = await Promise.all([this.#mesh(), this.operations()]);
    return {
      ...status,
      failoverOperations: operations.operations,
      failoverOperationsError: operations.error,
    };
  }

  async #mesh(): Promise<MeshStatus> {
    const asked = new Set<string>();
    const status = await collectMeshStatus({
      layout: meshLayoutOf(this.#config),
      nodeStatus: async (region, address) => (await this.#client(region, address).getStatus({})).node,
      instances: async () =>
        (await this.#etcd()).listMembers().then((r) => r.members.map(instanceFromMember)),
      regionStates: async () => new RegionStateStore({ store: await this.#etcd() }).list(),
      instanceStatus: async (_region, _instance, address) => {
        asked.add(address);
        return (await this.#instanceClient(address).getStatus({})).node;
      },
      now: Date.now,
    });
    // Instances come and go (--watch): keep the clients of those asked this round only.
    for (const [address, client] of this.#instanceClients) {
      if (!asked.has(address)) {
        client.close();
        this.#instanceClients.delete(address);
      }
    }
    return status;
  }

  async close(): Promise<void> {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
    for (const client of this.#instanceClients.values()) client.close();
    this.#instanceClients.clear();
    await this.#coordinator?.stop();
  }

  #client(region: string, address: string): OperatorClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = createOperatorClient(address, {
        transport: this.#transport,
        defaultTimeoutMs: this.#timeoutMs,
      });
      this.#clients.set(region, client);
    }
    return client;
  }

  #instanceClient(address: string): OperatorClient {
    let client = this.#instanceClients.get(address);
    if (!client) {
      client = createOperatorClient(address, {
        transport: this.#transport,
        defaultTimeoutMs: this.#timeoutMs,
      });
      this.#instanceClients.set(address, client);
    }
    return client;
  }

  /**
   * A ready etcd connection: the previous one, or a new one when there is none or it failed. Concurrent
   * callers (members and region states are read at once) share the one being started.
   */
  #etcd(): Promise<EtcdCoordinator> {
    const state = this.#coordinator?.state;
    if (this.#connecting && (state === undefined || state === 'ready')) return this.#connecting;
    const previous = this.#coordinator;
    this.#coordinator = undefined;
    const connecting = (async () => {
      await previous?.stop();
      this.#coordinator = await connectCoordinator(
        coordinationOptionsFor(this.#config, silentLogger(), ETCD_TIMEOUTS),
      );
      return this.#coordinator;
    })();
    // A failed attempt is not kept: the next round tries again.
    connecting.catch(() => {
      if (this.#connecting === connecting) this.#connecting = undefined;
    });
    this.#connecting = connecting;
    return connecting;
  }
}

/** Adds `geomesh status` to `program`. */
export function registerStatusCommand(program: Command, context: CliContext): void {
  const command = program
    .command('status')
    .description('show the mesh: regions, instances in etcd, links with lag and rate, node states')
    .requiredOption('--topology <file>', 'topology YAML file (names the regions, their nodes and etcd)')
    .option('--json', 'print the status as JSON')
    .option('--watch', 'redraw every --interval-ms until Ctrl-C')
    .option('--interval-ms <ms>', 'time between rounds with --watch', '2000')
    .addHelpText('after', STATUS_HELP);
  withOperatorConnectionOptions(command, 3_000).action(async (options: StatusOptions) => {
    const config = await loadValidTopology(options.topology, context);
    if (!config) return;
    const intervalMs = positiveInteger(options.intervalMs);
    if (intervalMs === undefined) {
      context.stderr(
        `geomesh status: --interval-ms must be a positive integer, not "${options.intervalMs}"\n`,
      );
      context.setExitCode(EXIT_CODES.usage);
      return;
    }
    const connection = operatorConnection('status', options, config, context);
    if (!connection) return;
    const { transport, timeoutMs } = connection;

    const probe = new StatusProbe(config, transport, timeoutMs);
    const draw = (status: MeshStatus & StatusOperations) => {
      if (options.json) context.stdout(JSON.stringify(status, null, options.watch ? undefined : 2) + '\n');
      else
        context.stdout(
          (options.watch ? CLEAR : '') +
            renderStatusTable(status) +
            renderOperations(status.failoverOperations, status.failoverOperationsError),
        );
      context.setExitCode(status.isComplete ? EXIT_CODES.ok : EXIT_CODES.failure);
    };
    try {
      if (!options.watch) {
        draw(await probe.round());
        return;
      }
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.once('SIGINT', onSigint);
      try {
        while (!stop.signal.aborted) {
          const status = await probe.round();
          if (stop.signal.aborted) break;
          draw(status);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, intervalMs);
            stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
    } finally {
      await probe.close();
    }
  });
}
