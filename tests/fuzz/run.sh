#!/bin/bash
# run.sh [RUNS] -- build the libFuzzer targets with clang (ASan + UBSan) and run
# each for RUNS inputs (default 2000000) from its seed corpus with a fixed seed,
# so that CI is deterministic; FUZZ_SEED=0 and a large RUNS explore instead.
# Findings are saved in tests/fuzz/artifacts/ and make the script fail.
# FUZZ_TARGETS picks the targets (default: all of them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${1:-2000000}
seed=${FUZZ_SEED:-1}
targets=${FUZZ_TARGETS:-fuzz_sipmsg fuzz_sdp fuzz_call fuzz_srtp}
out=${FUZZ_BUILD:-$top/build/fuzz}
mkdir -p "$out" "$here/artifacts"
deps="sofia-sip-ua openssl"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top -I$top/proxy $(pkg-config --cflags $deps)"
# config.h of an out-of-tree build is not needed: the target defines what it uses.
printf '#define PACKAGE_VERSION "fuzz"\n' > "$out/config.h"
build_target() {	# build_target NAME SOURCES...
	local name=$1; shift
	clang $cflags -I"$out" -o "$out/$name" "$here/$name.c" "$@" $(pkg-config --libs $deps)
}
build_target fuzz_sipmsg "$top/proxy/sipmsg.c"
build_target fuzz_sdp "$top/proxy/sdp_rewrite.c"
# The call layer with its config loader and a real media relay behind it.
deps="$deps libsrtp2 libevent libevent_pthreads libconfig libpcre2-8"
cflags="$cflags $(pkg-config --cflags libsrtp2 libevent libconfig libpcre2-8)"
build_target fuzz_call "$top"/proxy/{call,call_sdp,sdp_rewrite,sipmsg,conf,confget,hub_conf,log,policy_conf,numrule}.c \
	"$top"/media/{b64,packet,portpool,relay,sdes,srtp_ctx,srtp_ossl,stream}.c -lpthread
# Media datagrams through libsrtp2 and our OpenSSL ciphers.
build_target fuzz_srtp "$top"/media/{b64,sdes,srtp_ctx,srtp_ossl}.c -lpthread

# run_target NAME CORPUS-DIR...: fuzz NAME for $secs from a copy of its seeds.
run_target() {
	local name=$1 seeds work
	shift
	work=$(mktemp -d)
	for seeds in "$@"; do cp "$seeds"/* "$work"/ 2>/dev/null || true; done
	"$out/$name" -runs="$runs" -seed="$seed" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$here/artifacts/$name-" -print_final_stats=1 "$work" 2>&1 |
		grep -E '^(==[0-9]+==ERROR|SUMMARY)|Done [0-9]+ runs' || true
	rm -rf "$work"
}
for t in $targets; do
	case $t in
	fuzz_sipmsg) run_target fuzz_sipmsg "$here/corpus" "$top/tests/integration/rfc4475" ;;
	fuzz_sdp) run_target fuzz_sdp "$here/corpus-sdp" ;;
	# Each input opens ports and libsrtp sessions: ~200 runs/s, hence fewer.
	fuzz_call) runs=${FUZZ_CALL_RUNS:-20000} run_target fuzz_call "$here/corpus-call" ;;
	fuzz_srtp) run_target fuzz_srtp "$here/corpus-srtp" ;;
	*) echo "fuzz: unknown target $t" >&2; exit 2 ;;
	esac
done
if [ -n "$(find "$here/artifacts" -type f -newer "$out/fuzz_sdp" 2>/dev/null)" ]; then
	echo "fuzz: findings in $here/artifacts" >&2
	exit 1
fi
echo "fuzz: $targets: $runs runs each (fuzz_call ${FUZZ_CALL_RUNS:-20000}; seed $seed) without a finding"
