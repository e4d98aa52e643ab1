#!/bin/bash
# long.sh [SECONDS] -- fuzzing that keeps going: builds the targets as run.sh
# does and runs each (FUZZ_TARGETS, default all) for SECONDS (default 600)
# with a random seed (FUZZ_SEED, default 0), from its seeds and a corpus kept
# between runs in $FUZZ_CORPUS/NAME (default build/fuzz/corpus-long/NAME; the
# seeds are tests/fuzz/corpus/NAME).
# The inputs a run adds that bring new coverage are merged into that corpus.
# Prints per target: runs, exec/s, coverage, corpus size and any finding
# (saved in tests/fuzz/artifacts/); exits 1 if there was one.
set -euo pipefail
. "$(dirname "$0")/common.sh"
secs=${1:-600}
seed=${FUZZ_SEED:-0}
corpora=${FUZZ_CORPUS:-$out/corpus-long}
fuzz_build_all

# final_stat NAME LOG: a figure of libFuzzer's -print_final_stats.
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

# long_target NAME: fuzz, merge, report; 1 on a finding.
long_target() {
	local name=$1 corpus=$corpora/$1 seeds new stamp log rc=0
	seeds=$(fuzz_seeds "$name")
	new=$(mktemp -d)
	stamp=$(mktemp)
	log=$out/$name-long.log
	mkdir -p "$corpus"
	# New inputs go to the first directory; the corpus and the seeds are read.
	"$(fuzz_bin "$name")" -max_total_time="$secs" -seed="$seed" $(fuzz_opts "$name") \
		"$new" "$corpus" $seeds >"$log" 2>&1 || rc=$?
	"$(fuzz_bin "$name")" -merge=1 $(fuzz_opts "$name") "$corpus" "$new" $seeds >"$log.merge" 2>&1 ||
		echo "fuzz-long: $name: merge failed, see $log.merge" >&2
	local finds
	finds=$(find "$artifacts" -type f -name "$name-*" -newer "$stamp" | sort)
	rm -rf "$new" "$stamp"
	printf '%s: %s runs, %s exec/s, %s, corpus %s inputs (%s)\n' "$name" \
		"$(final_stat number_of_executed_units "$log")" "$(final_stat average_exec_per_sec "$log")" \
		"$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)" \
		"$(find "$corpus" -type f | wc -l)" "$corpus"
	if [ -n "$finds" ] || [ "$rc" != 0 ]; then
		grep -E '^(==[0-9]+== ?ERROR|SUMMARY|fuzz_)' "$log" | head -n 5 | sed "s/^/$name:   /"
		echo "$name: FINDING (exit $rc) ${finds:-no artifact}; the log is $log"
		return 1
	fi
}
failed=
for t in $targets; do
	long_target "$t" || failed="$failed $t"
done
if [ -n "$failed" ]; then
	echo "fuzz-long: findings in:$failed" >&2
	exit 1
fi
echo "fuzz-long: $targets: ${secs} s each (seed $seed) without a finding"
