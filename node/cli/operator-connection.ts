/**
 * What the operator commands (`translate`, `failover`) share: the TLS and timeout options of a call to a
 * node, checked against the topology (a mesh whose nodes have `node.tls` needs a client certificate).
 */
import type { Command } from 'commander';
import type { TopologyConfig } from '../../topology/index.ts';
import type { ClientTransportOptions } from '../rpc/index.ts';
import type { CliContext } from './cli-context.ts';
import { EXIT_CODES } from './exit-codes.ts';

export interface OperatorConnectionOptions {
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  timeoutMs: string;
}

/** Adds the connection options to a command; `defaultTimeoutMs` is the deadline of each call. */
export function withOperatorConnectionOptions(command: Command, defaultTimeoutMs = 10_000): Command {
  return command
    .option('--tls-ca <file>', 'PEM file of the mesh CA (nodes with node.tls in the topology need the three)')
    .option('--tls-cert <file>', 'PEM file of your client certificate, signed by the mesh CA')
    .option('--tls-key <file>', 'PEM file of its private key')
    .option('--timeout-ms <ms>', 'deadline of each call', String(defaultTimeoutMs));
}

/**
 * The transport and deadline the options describe, or undefined after printing the problem (exit 64).
 */
export function operatorConnection(
  verb: string,
  options: OperatorConnectionOptions,
  config: TopologyConfig,
  context: CliContext,
): { transport: ClientTransportOptions; timeoutMs: number } | undefined {
  const fail = (message: string) => {
    context.stderr(`geomesh ${verb}: ${message}\n`);
    context.setExitCode(EXIT_CODES.usage);
    return undefined;
  };
  const timeoutMs = Number(options.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    return fail(`--timeout-ms must be a positive integer, not "${options.timeoutMs}"`);
  const files = [options.tlsCa, options.tlsCert, options.tlsKey];
  if (files.some((f) => f !== undefined) && files.some((f) => f === undefined))
    return fail('--tls-ca, --tls-cert and --tls-key go together: give all three');
  if (config.regions.some((r) => r.node.tls) && options.tlsCa === undefined) {
    return fail(
      'the nodes of this mesh require mutual TLS (node.tls in the topology): ' +
        'pass --tls-ca, --tls-cert and --tls-key with a certificate the mesh CA signed',
    );
  }
  const transport: ClientTransportOptions =
    options.tlsCa !== undefined
      ? { mode: 'mtls', ca: options.tlsCa, cert: options.tlsCert!, key: options.tlsKey! }
      : { mode: 'insecure' };
  return { transport, timeoutMs };
}
