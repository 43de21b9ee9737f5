/**
 * At start-up a node may be given a topology file while etcd holds the mesh's topology. This says whether they
 * agree and, when they do not, which one is newer and how to resolve it.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { SignalOptions } from '../coordination-ports/index.ts';
import type { TopologyRecord } from './topology-record.ts';
import type { TopologyStore } from './topology-store.ts';

/**
 * - `same`: the file is etcd's current version.
 * - `not-in-etcd`: etcd has no topology for the mesh yet.
 * - `file-older`: the file is an earlier version that etcd has since replaced: etcd's is newer.
 * - `file-not-applied`: the file's content was never applied: it holds edits etcd has not seen.
 */
export type TopologyAgreementStatus = 'same' | 'not-in-etcd' | 'file-older' | 'file-not-applied';

export interface TopologyAgreement {
  readonly status: TopologyAgreementStatus;
  /** etcd's current version, if any. */
  readonly currentVersion: number | null;
  /** The version the file's content was applied as, if ever. */
  readonly fileVersion: number | null;
  /** One paragraph for the operator: what differs, which is newer, the commands that resolve it. */
  readonly message: string;
}

export interface DescribeAgreementInput {
  /** The file as named on the command line. */
  readonly file: string;
  readonly mesh: string;
  readonly fileHash: string;
  /** etcd's current version. */
  readonly current: Pick<TopologyRecord, 'version' | 'hash' | 'appliedAt'> | undefined;
  /** The (latest) version whose hash is the file's, if any. */
  readonly fileRecord: Pick<TopologyRecord, 'version' | 'appliedAt'> | undefined;
}

const short = (hash: string): string => hash.slice(0, 12);

/** The agreement between a file and etcd, from what was read (pure). */
export function describeTopologyAgreement(input: DescribeAgreementInput): TopologyAgreement {
  const { file, mesh, fileHash, current, fileRecord } = input;
  const apply = `geomesh topology apply ${file}`;
  const fromEtcd = 'restart the node with `--topology-from etcd`';
  if (!current) {
    return {
      status: 'not-in-etcd',
      currentVersion: null,
      fileVersion: null,
      message:
        `etcd holds no topology for mesh ${mesh} yet; ${file} (hash ${short(fileHash)}) is not applied: ` +
        `run \`${apply}\` so every node runs the same topology`,
    };
  }
  if (current.hash === fileHash) {
    return {
      status: 'same',
      currentVersion: current.version,
      fileVersion: current.version,
      message: `${file} is topology version ${current.version} of mesh ${mesh}, current in etcd (hash ${short(fileHash)})`,
    };
  }
  const etcdSide = `etcd's current topology of mesh ${mesh} is version ${current.version} (hash ${short(current.hash)}, applied ${current.appliedAt})`;
  if (fileRecord && fileRecord.version < current.version) {
    return {
      status: 'file-older',
      currentVersion: current.version,
      fileVersion: fileRecord.version,
      message:
        `${file} (hash ${short(fileHash)}) is topology version ${fileRecord.version}, but ${etcdSide}, which is newer: ` +
        `${fromEtcd} or update the file to it (\`geomesh topology get --mesh ${mesh} --etcd URL\`); to go back to ` +
        `the file's content on purpose, run \`${apply}\` (review it first with \`geomesh topology diff ${file}\`)`,
    };
  }
  return {
    status: 'file-not-applied',
    currentVersion: current.version,
    fileVersion: null,
    message:
      `${file} (hash ${short(fileHash)}) differs from etcd and was never applied, so it holds changes etcd has not ` +
      `seen; ${etcdSide}. If the file is what you want, run \`${apply}\` (review it first with ` +
      `\`geomesh topology diff ${file}\`); otherwise ${fromEtcd}`,
  };
}

/** Reads etcd and describes how `config` (read from `file`) agrees with it. */
export async function compareTopologyWithStore(
  store: TopologyStore,
  config: TopologyConfig,
  options: SignalOptions & { file: string },
): Promise<TopologyAgreement> {
  const signalOptions = options.signal ? { signal: options.signal } : {};
  const current = await store.current(signalOptions);
  const fileRecord =
    current && current.hash !== config.hash
      ? await store.findVersionByHash(config.hash, signalOptions)
      : undefined;
  return describeTopologyAgreement({
    file: options.file,
    mesh: config.mesh,
    fileHash: config.hash,
    current,
    fileRecord,
  });
}
