#!/bin/bash
# run.sh [RUNS] -- build the libFuzzer targets (build.sh: clang, ASan + UBSan,
# the Makefiles' own libraries, in build/fuzz or FUZZ_BUILD) and run
# each for RUNS inputs (default 2000000) from its seed corpus with a fixed seed,
# so that CI is deterministic; FUZZ_SEED=0 and a large RUNS explore instead
# (long.sh does that for a time, with a corpus that grows across runs).
# Targets slower per input take their own count: FUZZ_CALL_RUNS, FUZZ_SIPFRAME_RUNS,
# FUZZ_CONTROL_RUNS, FUZZ_SMTP_RUNS (each about a minute on one core).
# Findings are saved in tests/fuzz/artifacts/ and make the script fail.
# FUZZ_TARGETS picks the targets (default: all of them).
set -euo pipefail
. "$(dirname "$0")/common.sh"
runs=${1:-2000000}
seed=${FUZZ_SEED:-1}
declare -A runs_of=([fuzz_call]=${FUZZ_CALL_RUNS:-20000} [fuzz_sipframe]=${FUZZ_SIPFRAME_RUNS:-200000}
	[fuzz_control]=${FUZZ_CONTROL_RUNS:-2000000} [fuzz_smtp]=${FUZZ_SMTP_RUNS:-1000000})
fuzz_build_all
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT

# run_target NAME RUNS: fuzz NAME for RUNS inputs from a copy of its seeds.
run_target() {
	local name=$1 n=$2 work
	work=$(mktemp -d)
	for d in $(fuzz_seeds "$name"); do cp "$d"/* "$work"/ 2>/dev/null || true; done
	"$(fuzz_bin "$name")" -runs="$n" -seed="$seed" $(fuzz_opts "$name") "$work" 2>&1 |
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_)|Done [0-9]+ runs' || true
	rm -rf "$work"
}
summary=
for t in $targets; do
	n=${runs_of[$t]:-$runs}
	run_target "$t" "$n"
	summary="$summary $t=$n"
done
if [ -n "$(find "$artifacts" -type f -newer "$stamp" 2>/dev/null)" ]; then
	echo "fuzz: findings in $artifacts" >&2
	exit 1
fi
echo "fuzz: runs per target:$summary (seed $seed) without a finding"
