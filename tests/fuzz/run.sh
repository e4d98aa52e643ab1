#!/bin/bash
# run.sh [SECONDS] -- build the libFuzzer targets with clang (ASan + UBSan) and
# fuzz each for SECONDS (default 60) from the seed corpus. Crashes are saved in
# tests/fuzz/artifacts/ and make the script fail.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
out=${FUZZ_BUILD:-$top/build/fuzz}
mkdir -p "$out" "$here/artifacts"
deps="sofia-sip-ua openssl"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top -I$top/proxy $(pkg-config --cflags $deps)"
# config.h of an out-of-tree build is not needed: the target defines what it uses.
printf '#define PACKAGE_VERSION "fuzz"\n' > "$out/config.h"
clang $cflags -I"$out" -o "$out/fuzz_sipmsg" "$here/fuzz_sipmsg.c" "$top/proxy/sipmsg.c" \
	$(pkg-config --libs $deps)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/corpus/* "$work"/ 2>/dev/null || true
"$out/fuzz_sipmsg" -max_total_time="$secs" -max_len=8192 -timeout=10 \
	-artifact_prefix="$here/artifacts/" -print_final_stats=1 "$work" 2>&1 |
	grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY)|Done [0-9]+ runs' || true
if ls "$here"/artifacts/crash-* "$here"/artifacts/leak-* "$here"/artifacts/timeout-* >/dev/null 2>&1; then
	echo "fuzz: findings in $here/artifacts" >&2
	exit 1
fi
echo "fuzz: fuzz_sipmsg ran ${secs}s without a finding"
