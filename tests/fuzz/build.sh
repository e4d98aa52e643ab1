#!/bin/bash
# build.sh DIR [TARGET...] -- the libFuzzer targets, built by the Makefiles:
# configures DIR once as a fuzzing build of this tree (CC, default clang;
# ASan + UBSan; -g -O1, as libFuzzer's documentation advises) and makes the
# TARGETs there (names like fuzz_sipmsg; default: all of them, make fuzz).
# They end up as DIR/tests/fuzz/NAME. FUZZ_JOBS: make's -j (default nproc).
set -euo pipefail
dir=$1; shift
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f "$dir/Makefile" ]; then
	[ -x "$top/configure" ] || { echo "fuzz: no $top/configure; run autoreconf -fi there" >&2; exit 2; }
	mkdir -p "$dir"
	# The summary goes to a log; configure's errors still reach stderr.
	(cd "$dir" && "$top/configure" --quiet CC="${CC:-clang}" CFLAGS="-g -O1" \
		--enable-fuzzing --enable-sanitizers --disable-integration-tests >configure.out)
fi
goals=fuzz
if [ $# -gt 0 ]; then
	goals=$(printf 'tests/fuzz/%s ' "$@")
fi
# make's progress lines go to a log; warnings and errors to stderr.
make -C "$dir" -j"${FUZZ_JOBS:-$(nproc)}" $goals >"$dir/make.out"
