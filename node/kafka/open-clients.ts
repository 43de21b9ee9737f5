/**
 * Which kafkajs clients (producers, consumers, admins) are connected now, and where geomesh created each: a
 * process that stopped yet still holds broker sockets names them in its leak report (node/supervisor). A
 * client counts from its CONNECT event to its DISCONNECT event; a client that disconnected but whose sockets
 * stay open is kafkajs' own leak, and shows as sockets with no client listed.
 */
interface Instrumented {
  on(event: string, listener: () => void): unknown;
  events: { CONNECT: string; DISCONNECT: string };
}

const open = new Map<object, string>();

/** The first frame of geomesh code (outside this adapter's client factory) that created a client. */
function creationSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const frame = frames.find(
    (f) => !f.includes('node_modules') && !f.includes('open-clients.ts') && !f.includes('kafka-client.ts'),
  );
  return frame?.trim().replace(/^at /, '') ?? 'unknown';
}

/** Follows `client` from connect to disconnect; returns it. */
export function trackClient<T extends Instrumented>(client: T, kind: string, clientId: string): T {
  const label = `${kind} ${clientId} (created at ${creationSite()})`;
  client.on(client.events.CONNECT, () => open.set(client, label));
  client.on(client.events.DISCONNECT, () => open.delete(client));
  return client;
}

/** The clients connected now, each with where it was created. */
export function openKafkaClients(): string[] {
  return [...open.values()];
}
