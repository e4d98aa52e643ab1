# common.sh -- sourced by run.sh and long.sh: where things are, the targets,
# their seeds, and their build (build.sh: a configured fuzzing build of this
# tree in $FUZZ_BUILD, default build/fuzz, made by the Makefiles).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${FUZZ_BUILD:-$top/build/fuzz}
artifacts=$here/artifacts
# Every tests/fuzz/fuzz_*.c is a target.
targets=${FUZZ_TARGETS:-$(cd "$here" && ls fuzz_*.c | sed 's/\.c$//' | tr '\n' ' ')}
mkdir -p "$artifacts"

# fuzz_build_all: builds every target of $targets; $out/tests/fuzz/NAME each.
fuzz_build_all() {
	# shellcheck disable=SC2086 # one word per target
	bash "$here/build.sh" "$out" $targets
}

# fuzz_bin NAME: the target's executable.
fuzz_bin() { echo "$out/tests/fuzz/$1"; }

# fuzz_seeds NAME: the directories of its seed inputs, corpus/NAME first.
fuzz_seeds() {
	case $1 in
	fuzz_sipmsg) echo "$here/corpus/$1 $top/tests/integration/rfc4475" ;;
	*) echo "$here/corpus/$1" ;;
	esac
}

# The options every run of every target takes.
fuzz_opts() {	# fuzz_opts NAME
	echo "-max_len=8192 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$artifacts/$1- -print_final_stats=1"
}
