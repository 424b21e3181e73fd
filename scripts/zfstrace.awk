# Summarises AXIOM_ZFS_TRACE (scripts/test-realzfs.sh): the test logs first, the trace last
# (-v trace=FILE). Each test's log names its test roots (zfstest.NewRoot: "test root ROOT of
# NAME"); each trace line is one zfs or zpool command line, counted for the test whose root it
# names and for its operation.
FILENAME != trace {
	if (match($0, /test root [^ ]+ of [^ ]+/)) {
		split(substr($0, RSTART, RLENGTH), f, " ")
		name = f[5]
		sub(/\/.*/, "", name) # a subtest counts for its test
		test[f[3]] = name
	}
	next
}
{
	t = "(no test root)"
	if (match($0, /[A-Za-z0-9_.:-]+\/t-[0-9a-f]+/) && (substr($0, RSTART, RLENGTH) in test))
		t = test[substr($0, RSTART, RLENGTH)]
	bytest[t]++
	byop[$1 " " $2]++
	total++
}
END {
	out = "sort -rn | sed 's/^/== zfs processes by test: /'"
	for (t in bytest) printf "%6d  %s\n", bytest[t], t | out
	close(out)
	out = "sort -rn | sed 's/^/== zfs processes by operation: /'"
	for (o in byop) printf "%6d  %s\n", byop[o], o | out
	close(out)
	printf "== zfs processes: %d in all\n", total
}
