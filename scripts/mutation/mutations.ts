/**
 * The deliberate bugs of `npm run mutation-check`: each changes one exact piece of source text, and names the
 * scenario that must catch it and the anomaly (a pattern over the scenario's failing output) it must be
 * caught by. A scenario that fails for another reason did not catch the bug it was meant to.
 */

export interface Scenario {
  /** Test files, relative to the project root. */
  files: readonly string[];
  /** Only the tests whose names match (`node --test --test-name-pattern`); hooks still run. */
  testNamePattern?: string;
}

export interface Mutation {
  name: string;
  /** The bug in a few words. */
  bug: string;
  /** The file it changes, relative to the project root. */
  file: string;
  /** Source text that must occur exactly once in `file` (else the mutation is stale). */
  find: string;
  replace: string;
  scenario: Scenario;
  /** The anomaly that must show in the scenario's output. */
  anomaly: RegExp;
  /** What the anomaly means, for the table. */
  expected: string;
}

const FULL_MESH = { files: ['test/e2e/full-mesh.test.ts'] };
const BROKER_OUTAGE = {
  files: ['test/e2e/data-path-faults.test.ts'],
  // A broker down for 2 s is ridden out by the producer's own retries: the link never sees a failed write.
  testNamePattern: 'longer than the producer retries',
};
const FORGED_HEADERS = {
  files: ['test/e2e/data-path-faults.test.ts'],
  testNamePattern: 'application headers claim another origin',
};
/** The SIGSTOP case needs the instances the earlier tests of the file start (w1, w2b, w3). */
const ZOMBIE = {
  files: ['test/e2e/work-sharing.test.ts'],
  testNamePattern: 'split 12 partitions|kill -9 of one mid-stream|third joining|kill -STOP',
};
const TRANSLATION = {
  files: ['test/e2e/offset-translation.test.ts'],
  testNamePattern: '50 random prefixes',
};

/** Any of the forged-header test's checks: a forged record taken for a verified one. */
const FORGED_ACCEPTED =
  /of a's 100 records|verifies as origin a|nothing came back|counted as carrying forged headers|recognised as a/;

const ZOMBIE_WRITES = /zombie write landed twice|duplicates/;

const PRODUCE_GATE_OPEN = {
  name: 'produce-gate-open',
  bug: 'the socket gate lets Produce requests out without a valid lease',
  file: 'node/kafka/produce-gate.ts',
  find: 'if (apiKeyOf(args[0]) === PRODUCE_API_KEY && !gate.isOpen()) {',
  replace: 'if (apiKeyOf(args[0]) === PRODUCE_API_KEY && false) {',
};

export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'loop-check-off',
    bug: 'a record is not dropped when its origin is the target region',
    file: 'node/replication/forward-decision.ts',
    find: "  if (origin.region === link.to) return { action: 'drop', reason: 'loop', origin };\n",
    replace: '',
    scenario: FULL_MESH,
    anomaly: /back in their origin|loop drops/,
    expected: 'records back in their origin, or no loop drops',
  },
  {
    // The forwarding tree alone also keeps a record from its origin (no tree routes back to its root): with
    // only the loop check off, nothing comes back and the drops are counted under another reason.
    name: 'loop-and-routing-off',
    bug: 'neither the loop check nor the forwarding tree keeps a record from going back to its origin',
    file: 'node/replication/forward-decision.ts',
    find:
      "  if (origin.region === link.to) return { action: 'drop', reason: 'loop', origin };\n" +
      "  if (!link.forwardsOrigin(origin.region)) return { action: 'drop', reason: 'not-forwarded', origin };\n",
    replace: '',
    scenario: FULL_MESH,
    anomaly: /back in their origin/,
    expected: 'records back in their origin',
  },
  {
    name: 'marks-before-ack',
    bug: 'the high-water marks advance before the target acknowledges the write',
    file: 'node/replication/link-writes.ts',
    find: '    let baseOffset: number;\n    try {\n',
    replace:
      '    let baseOffset: number;\n' +
      '    for (const item of items) highwater.advance(topic, partition, item.origin.region, item.origin.offset);\n' +
      '    try {\n',
    scenario: BROKER_OUTAGE,
    anomaly: /[1-9]\d* records lost/,
    expected: 'records lost',
  },
  {
    // No end-to-end scenario catches it: the partition writer checks the lease before each write, so the
    // socket gate only closes the microseconds between that check and the write (docs/reliability.md).
    ...PRODUCE_GATE_OPEN,
    scenario: { files: ['test/unit/node/kafka/produce-gate.test.ts'] },
    anomaly: /written after the gate closed is refused/,
    expected: 'a Produce request let out after the gate closed',
  },
  {
    name: 'lease-always-valid',
    bug: 'fencing skipped: the lease counts as valid whatever its state and age',
    file: 'node/work-sharing/partition-ownership.ts',
    find: "return lease !== undefined && lease.state === 'alive' && lease.validForMs() > this.#marginMs;",
    replace: 'return lease !== undefined;',
    scenario: ZOMBIE,
    anomaly: ZOMBIE_WRITES,
    expected: 'duplicates written after ownership was lost',
  },
  {
    name: 'translation-off-by-one',
    bug: "the frontier claims the committed offset itself as consumed (one past the group's position)",
    file: 'node/translation/translate.ts',
    find: 'if (committed > 0) frontier.set(region, committed - 1);',
    replace: 'if (committed > 0) frontier.set(region, committed);',
    scenario: TRANSLATION,
    // The per-prefix check, or the filter's own (it skipped a record the group never consumed).
    anomaly: /records skipped|which the group never consumed|duplicates with the filter/,
    expected: 'records skipped (lost) or duplicated by the translation',
  },
  {
    name: 'unknown-tag-accepted',
    bug: 'a provenance tag of no known version is taken as verified',
    file: 'node/replication/origin-headers.ts',
    find: "    return isMeshOrigin ? { kind: 'unknown-key', origin, keyId: null } : forged;\n  }\n  return forged;\n}",
    replace:
      "    return isMeshOrigin ? { kind: 'unknown-key', origin, keyId: null } : forged;\n  }\n  return { kind: 'replicated', origin };\n}",
    scenario: FORGED_HEADERS,
    anomaly: FORGED_ACCEPTED,
    expected: 'forged headers accepted (misattributed records)',
  },
  {
    name: 'mac-not-checked',
    bug: 'a tag of a held key is accepted without comparing its MAC',
    file: 'node/replication/origin-headers.ts',
    find: "return timingSafeEqual(tag, expected) ? { kind: 'replicated', origin } : forged;",
    replace: "return expected.length > 0 ? { kind: 'replicated', origin } : forged;",
    scenario: FORGED_HEADERS,
    anomaly: FORGED_ACCEPTED,
    expected: 'forged headers accepted (misattributed records)',
  },
];
