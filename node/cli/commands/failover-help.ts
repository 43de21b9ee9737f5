/** The help texts of `geomesh failover` and `geomesh failback` after their options (commander prints them). */

export const FAILOVER_HELP = `
Groups: without --group, every consumer group of --from that the topology's link --from → --to selects
(its groups patterns; without such a link, any link out of --from) and that --from's node lists (or, when it
does not answer, that its last checkpoints name). --group and --exclude-group narrow that with patterns
(JavaScript regular expressions matched against the whole name: --group 'billing-.*'); a pattern that
matches no such group stops the command before anything is changed (exit 4). Progress lines go to stderr
while it runs (groups done / total), a summary follows the table.
Per group: the outcome (committed, dry-run, or refused with the reason: unknown group, active members in
--to, no answer from --from and no checkpoint), where the frontier came from (live, or the checkpoint and its
age: a group may then see records again, never miss one), the partitions committed and how many records
after the committed offsets the group had already consumed in --from (a failover-aware consumer skips them;
docs/offset-translation.md), and the records NOT REPLICATED: what --from held after the group's frontier
(live, or as of its checkpoint) that --to does not hold yet, per origin region (a line per partition follows
the table); the group would not get them in --to if it moved now. --wait-for-replication <duration> waits
for that to reach 0 while --from answers (progress on stderr), then fails over; when --from does not answer
it fails over at once; when the duration passes, it commits nothing (exit 6). Before committing, the node records --from as failed over to --to in etcd
(region state, shown by geomesh status); a dry run records nothing. When etcd does not answer, nothing is
committed (exit 1); when --from is recorded failed over to another region, the call is refused (exit 1).
Planned switchover (--planned; a migration, or moving a region's traffic away for maintenance): --from must
answer. Before committing, the command waits (within --wait-for-replication, default 5m) until no selected
group has members in --from (its consumers stopped: stop them first) and --to holds every record --from holds
after the groups' positions, then fails over live: a plain consumer resumed in --to sees every record once
(one-way link; on active-active topics the report's ALREADY SEEN says how many a plain consumer would see
twice). The consumers must not start again in --from meanwhile. Exits: 1 when --from does not answer (nothing
committed), 5 when groups still have consumers in --from when the wait ends, 6 when records are still missing.
Interruptible: each failover is an operation in etcd (its groups and each group's progress; geomesh status
lists them). When the command is interrupted (Ctrl-C, killed, its connection lost) the node stops at the
next group, and when the node is killed it stops there; run the same command again (same regions, --group
and --exclude-group) to complete the same operation: groups committed are not translated again, groups
translated are committed with that translation, the rest are done. While it is not complete, another
failover from --from to --to is refused (exit 1) with the command that completes it. A dry run is no operation.
Exit codes: 0 every group committed (or translated, with --dry-run), 1 failure (node unreachable),
2 invalid topology, 4 unknown region or a pattern that matches no group, 5 at least one group refused,
6 records still not replicated when --wait-for-replication passed (nothing committed), 64 usage error (a pattern that is not a regular expression), 66 file not readable, 77 not authorised.
When --to's node is still starting (connection refused, or it answers that it is not running yet), the
command waits for it within --wait-ms (its default is shown above), saying so on stderr; then it fails (exit 1).
With --json every output is JSON: the answer with its summary on stdout, progress and errors as one JSON
object a line on stderr.`;

export const FAILBACK_HELP = `
Groups: --group names them; without it, every group --region's state in etcd records as moved to --from
(by geomesh failover), exit 4 when it records none. Progress lines go to stderr while the groups move
back, a summary follows the table.
First records --region as failing back from --from in etcd (through --region's node; not with --dry-run),
then waits until that node has caught up with --from (the lag of the link --from → --region, as its
GetStatus reports it, at most --max-lag records), then moves the groups back: as geomesh failover --from
<from> --to <region>, and the node records --region active once the groups are back.
When --region's node is still starting (connection refused, or it answers that it is not running yet),
the command waits for it within --wait-ms, saying so on stderr.
Exit codes: as failover, and 1 when the region did not catch up (or its node did not answer) within
--wait-ms.`;
