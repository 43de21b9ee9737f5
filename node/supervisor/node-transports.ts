/**
 * How a region's node serves gRPC and calls its peers: with its `node.tls` files, else in plaintext (loopback
 * development).
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { ClientTransportOptions, ServerTransportOptions } from '../rpc/index.ts';

/** Serve with the region's certificate and require client certificates its CA signed. */
export function serverTransportOf(config: TopologyConfig, region: string): ServerTransportOptions {
  const tls = config.region(region).node.tls;
  return tls ? { mode: 'mtls', cert: tls.cert, key: tls.key, clientCa: tls.ca } : { mode: 'insecure' };
}

/** Peers are called with this node's own certificate, trusting the mesh CA. */
export function peerTransportOf(config: TopologyConfig, region: string): ClientTransportOptions {
  const tls = config.region(region).node.tls;
  return tls ? { mode: 'mtls', ca: tls.ca, cert: tls.cert, key: tls.key } : { mode: 'insecure' };
}
