/**
 * The process's one coordination session: a connection to the mesh's etcd that the composition root opens
 * once, hands to every part that needs etcd (registration, peer directory, work sharing, region states) and
 * closes last. It connects in the background, trying again at one pace while etcd cannot be reached; once
 * connected it stays so (requests fail retryably while etcd is away; watches and leases reconnect by
 * themselves), so no user ever opens a connection of its own.
 *
 * States: idle → connecting → connected → stopped; idle | connecting → stopped.
 */
import type { DocumentStore, KeyWatcher, LeaseGranter, MemberRegistry } from './types.ts';

/** Everything the node asks of its coordination service. */
export interface Coordination extends DocumentStore, KeyWatcher, LeaseGranter, MemberRegistry {}

export type CoordinationSessionState = 'idle' | 'connecting' | 'connected' | 'stopped';

export interface CoordinationSession {
  readonly state: CoordinationSessionState;
  /** Why the last connection attempt failed, while not connected. */
  readonly lastError: string | undefined;
  /** The connected coordination, or undefined while not (yet, or any more) connected. */
  current(): Coordination | undefined;
  /**
   * Resolves with the coordination once connected (at once when it is), starting the session if nobody has.
   * Rejects with the signal's reason when `signal` aborts first, and with GEOMESH_COORD_CLOSED when the
   * session stops.
   */
  ready(signal?: AbortSignal): Promise<Coordination>;
}
