/**
 * Node membership on top of the coordination interfaces (so it runs on a fake store in unit tests): each
 * instance announces itself at `nodes/<region>/<id>` on its own lease; listing reads the prefix at one revision;
 * watching turns key changes into joined / updated / left events.
 */
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { decodeMemberV1, encodeMemberV1 } from './member-codec.ts';
import { memberKey, membersPrefix, parseMemberKey } from './key-layout.ts';
import type {
  DocumentStore,
  KeyValueEntry,
  KeyWatcher,
  LeaseGranter,
  MemberInfo,
  MemberRecord,
  MemberRegistration,
  MemberRegistry,
  MembershipEvent,
  MembershipWatchOptions,
  RegisterOptions,
  SignalOptions,
} from '../coordination-ports/index.ts';

export interface MembershipInit {
  store: DocumentStore & KeyWatcher & LeaseGranter;
  logger: Logger;
  /** TTL of a registration's lease when the caller gives none. */
  defaultTtlMs: number;
}

/** Decodes a `nodes/<region>/<id>` entry; the key must agree with the value's region and id. */
export function memberFromEntry(
  entry: Pick<KeyValueEntry, 'key' | 'value' | 'modRevision' | 'createRevision'>,
): MemberRecord {
  const parsed = parseMemberKey(entry.key);
  const info = decodeMemberV1(entry.value, entry.key);
  if (!parsed || parsed.region !== info.region || parsed.id !== info.id) {
    throw new GeomeshError(
      'GEOMESH_COORD_CORRUPT',
      `member ${entry.key}: value names region "${info.region}" and id "${info.id}", which does not match its key`,
      { details: { key: entry.key } },
    );
  }
  return { ...info, modRevision: entry.modRevision, createRevision: entry.createRevision };
}

export class Membership implements MemberRegistry {
  readonly #init: MembershipInit;

  constructor(init: MembershipInit) {
    this.#init = init;
  }

  async register(member: MemberInfo, options: RegisterOptions = {}): Promise<MemberRegistration> {
    const key = memberKey(member.region, member.id);
    const lease = await this.#init.store.grantLease({
      ttlMs: options.ttlMs ?? this.#init.defaultTtlMs,
      ...(options.signal && { signal: options.signal }),
    });
    try {
      await this.#init.store.put(key, encodeMemberV1(member), {
        mustNotExist: true,
        lease,
        ...(options.signal && { signal: options.signal }),
      });
    } catch (err) {
      await lease.revoke().catch(() => undefined);
      if (isGeomeshError(err, 'GEOMESH_COORD_CONFLICT')) {
        throw new GeomeshError(
          'GEOMESH_COORD_CONFLICT',
          `instance "${member.id}" of region "${member.region}" is already registered at ${key}: another live ` +
            'instance uses this id, or this instance restarted and its previous registration has not expired yet ' +
            `(it does within ${Math.ceil(lease.ttlMs / 1000)} s); use a unique instance id or retry later`,
          { cause: err, details: { ...err.details, region: member.region, instance: member.id } },
        );
      }
      throw err;
    }
    this.#init.logger.info(
      { key, leaseId: lease.id, region: member.region, instance: member.id },
      'registered',
    );
    const frozen = Object.freeze({ ...member });
    return {
      member: frozen,
      key,
      lease,
      deregister: () => lease.revoke(),
    };
  }

  async listMembers(
    options: SignalOptions & { region?: string } = {},
  ): Promise<{ members: MemberRecord[]; revision: number }> {
    const range = await this.#init.store.list(
      membersPrefix(options.region),
      options.signal ? { signal: options.signal } : {},
    );
    const members: MemberRecord[] = [];
    for (const entry of range.entries) {
      try {
        members.push(memberFromEntry(entry));
      } catch (err) {
        this.#init.logger.warn({ err, key: entry.key }, 'skipping a member entry that cannot be read');
      }
    }
    members.sort((a, b) => (a.region === b.region ? cmp(a.id, b.id) : cmp(a.region, b.region)));
    return { members, revision: range.revision };
  }

  watchMembers(
    options: MembershipWatchOptions = {},
  ): AsyncIterable<MembershipEvent> & { close(): Promise<void> } {
    const watch = this.#init.store.watch(membersPrefix(options.region), {
      isPrefix: true,
      ...(options.startRevision !== undefined && { startRevision: options.startRevision }),
      ...(options.signal && { signal: options.signal }),
    });
    const logger = this.#init.logger;
    async function* events(): AsyncGenerator<MembershipEvent> {
      for await (const event of watch) {
        if (event.type === 'delete') {
          const parsed = parseMemberKey(event.key);
          if (parsed)
            yield { type: 'left', region: parsed.region, id: parsed.id, revision: event.modRevision };
          continue;
        }
        try {
          const member = memberFromEntry(event);
          yield { type: event.version === 1 ? 'joined' : 'updated', member, revision: event.modRevision };
        } catch (err) {
          logger.warn({ err, key: event.key }, 'skipping a member change that cannot be read');
        }
      }
    }
    const iterable = events();
    return {
      [Symbol.asyncIterator]: () => iterable,
      close: async () => {
        await watch.close();
      },
    };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
