import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import { createReplicationMetrics, Registry } from '../../../../node/observability/index.ts';
import type { LinkNames, MirrorTarget, SourceCluster } from '../../../../node/region/ports.ts';
import { TopicRefresh, type RefreshedLink } from '../../../../node/region/topic-refresh.ts';
import { linkWith } from '../../../support/fake-link.ts';

/** A cluster known by its topics' partition counts. */
class Counts implements SourceCluster {
  readonly name: string;
  readonly partitions: Map<string, number>;
  constructor(name: string, partitions: Map<string, number>) {
    this.name = name;
    this.partitions = partitions;
  }
  listTopics(): Promise<string[]> {
    return Promise.resolve([...this.partitions.keys()]);
  }
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return Promise.resolve(
      new Map(topics.filter((t) => this.partitions.has(t)).map((t) => [t, this.partitions.get(t)!])),
    );
  }
}

/** The region's own cluster: mirroring copies the source's count; config syncs are recorded. */
class Target extends Counts implements MirrorTarget<Counts> {
  readonly mirrored: string[] = [];
  readonly synced: string[] = [];
  mirrorTopicFrom(source: Counts, topic: string): Promise<unknown> {
    this.mirrored.push(`${source.name}:${topic}`);
    this.partitions.set(topic, source.partitions.get(topic)!);
    return Promise.resolve('created');
  }
  syncTopicConfigsFrom(source: Counts, topic: string, names: LinkNames) {
    this.synced.push(`${names.from}:${topic}`);
    return Promise.resolve({ changed: {}, targetTimestampType: 'CreateTime' });
  }
}

async function refreshedLink(
  from: string,
  remote: Counts,
  topics: RefreshedLink<Counts>['topics'],
  readCounts: Map<string, number>,
) {
  const { link, source } = await linkWith();
  const updates: string[][] = [];
  source.update = (t?: readonly string[]) => {
    updates.push([...(t ?? [])]);
    return Promise.resolve();
  };
  // The consumer is assigned every partition the source has (as a group join after the restart would do).
  source.readingState = () => ({
    isJoined: true,
    assigned: new Map(
      [...remote.partitions].map(([t, n]) => [t, new Set(Array.from({ length: n }, (_, p) => p))]),
    ),
    paused: new Map(),
  });
  const refreshed: RefreshedLink<Counts> = { from, topics, remote, replicator: link, readCounts };
  return { refreshed, updates, link };
}

function refreshOf(local: Target, links: RefreshedLink<Counts>[], scanned: string[][] = []) {
  let housekeeping = 0;
  const refresh = new TopicRefresh<Counts>({
    region: 'west',
    local,
    links: () => links,
    scanNewTopics: (topics) => {
      scanned.push([...topics]);
      return Promise.resolve();
    },
    housekeeping: () => {
      housekeeping++;
      return Promise.resolve();
    },
    metrics: createReplicationMetrics(new Registry()),
    logger: silentLogger(),
  });
  return { refresh, housekeeping: () => housekeeping };
}

describe('TopicRefresh', () => {
  it('picks up a topic that newly matches the selector: mirrored, tail scanned, then read', async () => {
    const east = new Counts(
      'east',
      new Map([
        ['t', 1],
        ['t2', 2],
        ['other', 1],
      ]),
    );
    const local = new Target('west', new Map([['t', 1]]));
    const { refreshed, updates, link } = await refreshedLink(
      'east',
      east,
      (t) => t.startsWith('t'),
      new Map([['t', 1]]),
    );
    const scanned: string[][] = [];
    await refreshOf(local, [refreshed], scanned).refresh.refresh();
    assert.deepEqual(local.mirrored, ['east:t2']);
    assert.deepEqual(scanned, [['t2']]);
    assert.deepEqual(updates, [['t', 't2']]);
    assert.deepEqual(link.topics, ['t', 't2']);
    assert.deepEqual(
      [...refreshed.readCounts],
      [
        ['t', 1],
        ['t2', 2],
      ],
    );
  });

  it('partitions added in the source: the target grows and the consumer restarts, once', async () => {
    const east = new Counts('east', new Map([['t', 3]]));
    const local = new Target('west', new Map([['t', 1]]));
    const { refreshed, updates } = await refreshedLink('east', east, ['t'], new Map([['t', 1]]));
    const { refresh } = refreshOf(local, [refreshed]);
    await refresh.refresh();
    assert.deepEqual(local.mirrored, ['east:t']);
    assert.equal(local.partitions.get('t'), 3);
    assert.equal(updates.length, 1);
    await refresh.refresh();
    assert.equal(updates.length, 1, 'nothing new: no restart');
  });

  it('restarts a link whose consumer started before a growth another link already propagated', async () => {
    const east = new Counts('east', new Map([['t', 2]]));
    const local = new Target('west', new Map([['t', 2]]));
    const { refreshed, updates } = await refreshedLink('east', east, ['t'], new Map([['t', 1]]));
    await refreshOf(local, [refreshed]).refresh.refresh();
    assert.deepEqual(local.mirrored, [], 'the target has them already');
    assert.equal(updates.length, 1, 'but this consumer does not read them yet');
  });

  it('syncs configs from the first link by region name, and runs housekeeping every 12th refresh', async () => {
    const south = new Counts('south', new Map([['t', 1]]));
    const east = new Counts('east', new Map([['t', 1]]));
    const local = new Target('west', new Map([['t', 1]]));
    const a = await refreshedLink('south', south, ['t'], new Map([['t', 1]]));
    const b = await refreshedLink('east', east, ['t'], new Map([['t', 1]]));
    const { refresh, housekeeping } = refreshOf(local, [a.refreshed, b.refreshed]);
    for (let i = 0; i < 13; i++) await refresh.refresh();
    assert.deepEqual(local.synced, ['east:t', 'east:t']);
    assert.equal(housekeeping(), 2);
  });

  it('stop: a refresh waiting on a cluster that does not answer changes nothing once it answers', async () => {
    const east = new Counts('east', new Map([['t', 3]]));
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const counts = east.partitionCounts.bind(east);
    east.partitionCounts = async (topics) => {
      await answered;
      return counts(topics);
    };
    const local = new Target('west', new Map([['t', 1]]));
    const { refreshed, updates } = await refreshedLink('east', east, ['t'], new Map([['t', 1]]));
    const { refresh, housekeeping } = refreshOf(local, [refreshed]);
    const running = refresh.refresh();
    const stopped = refresh.stop();
    answer();
    await Promise.all([running, stopped]);
    assert.deepEqual(local.mirrored, [], 'no partitions added after the stop');
    assert.equal(updates.length, 0, 'no consumer restarted after the stop');
    assert.deepEqual(local.synced, [], 'no config synced after the stop');
    assert.equal(housekeeping(), 0);
    await refresh.refresh();
    assert.deepEqual(local.mirrored, [], 'no refresh starts after the stop');
  });
});
