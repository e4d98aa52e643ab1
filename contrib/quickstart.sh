#!/bin/bash
# quickstart.sh demo|test -- the README's two commands, on a fresh Debian 12 (as root).
#   demo: install what is needed, build, run the demo (contrib/demo.sh) and
#         leave umsbcd running in the foreground until Ctrl-C.
#   test: install what is needed, build with -Werror under AddressSanitizer and
#         UndefinedBehaviorSanitizer, run the whole test suite (unit tests and
#         integration tests against real peers), then make distcheck.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

PKGS="build-essential autoconf automake libtool pkg-config
      libevent-dev libssl-dev libsrtp2-dev liburing-dev libsofia-sip-ua-dev libconfig-dev libpcre2-dev check libsystemd-dev
      sip-tester stunnel4 tshark socat openssl iproute2 procps util-linux testssl.sh
      postfix swaks libnet-ssleay-perl libio-socket-ssl-perl
      baresip baresip-core sox rtpengine-daemon python3 perl
      curl python3-prometheus-client systemd dnsmasq-base
      clang libclang-rt-14-dev valgrind"

install_deps() {
	local missing=()
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "== installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "quickstart: packages missing and not root; run as root (or: sudo $0 $*)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# build DIR CONFIGURE-ARGS...: out-of-tree build, so demo and test builds coexist.
build() {
	local dir=$1; shift
	[ -x configure ] || autoreconf -fi
	# An in-tree build (./configure && make) would block VPATH builds.
	[ ! -f config.status ] || make distclean >/dev/null
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$top/configure" "$@"; } && make -j"$(nproc)")
}

case "${1:-}" in
demo)
	install_deps
	build build/demo --quiet
	exec contrib/demo.sh "$top/build/demo"
	;;
test)
	install_deps
	autoreconf -fi
	rm -rf build/test
	build build/test --quiet --enable-werror --enable-sanitizers
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	if ! make -C build/test check; then
		for f in build/test/tests/unit/*.log build/test/tests/integration/*.log; do
			[ -f "$f" ] && grep -q ':test-result: FAIL' "${f%.log}.trs" 2>/dev/null && { echo "==== $f"; tail -60 "$f"; }
		done
		exit 1
	fi
	# The threaded paths (workers own TCP/TLS connections) under ThreadSanitizer.
	rm -rf build/tsan
	build build/tsan --quiet --enable-werror --enable-sanitizers=thread
	export TSAN_OPTIONS=halt_on_error=1:exitcode=66
	# Only the tests whose traffic crosses threads (TCP/TLS on the workers,
	# media on the relay threads, reloads beside them): the UDP-only and
	# long scan tests add minutes under TSan and no thread to watch, and
	# t-flood measures latency, which TSan's slowdown makes meaningless.
	TSAN_TESTS="tests/unit/check_umsbc tests/unit/check_media
	  tests/integration/t-call-tcp.sh tests/integration/t-call-tls.sh
	  tests/integration/t-call-um-to-gw.sh tests/integration/t-refuse.sh
	  tests/integration/t-connectivity.sh
	  tests/integration/t-conn-limits.sh tests/integration/t-faults.sh
	  tests/integration/t-reload.sh
	  tests/integration/t-certs.sh tests/integration/t-cert-rotate.sh
	  tests/integration/t-media-sipp.sh tests/integration/t-media-sdes.sh
	  tests/integration/t-media-srtp.sh tests/integration/t-hub-relay.sh"
	make -C build/tsan check TESTS="$(echo $TSAN_TESTS)" || { grep -l ':test-result: FAIL' build/tsan/tests/*/*.trs | sed 's/\.trs$/.log/' | xargs tail -n 80; exit 1; }
	# The same threaded paths under valgrind memcheck, on a plain build.
	rm -rf build/rel
	build build/rel --quiet --enable-werror
	UMSBCD="$top/build/rel/proxy/umsbcd" bash tests/valgrind/t-valgrind.sh
	grep -h 'Checks:' build/test/tests/unit/*.log || true
	pass=$(cat build/test/tests/*/*.trs | grep -c '^:test-result: PASS' || true)
	fail=$(cat build/test/tests/*/*.trs | grep -c '^:test-result: FAIL' || true)
	# Every parser entry point that sees network bytes, under libFuzzer.
	# Deterministic and bounded for CI; make fuzz-long keeps exploring.
	tests/fuzz/run.sh "${FUZZ_RUNS:-1000000}"
	make -C build/test distcheck DISTCHECK_CONFIGURE_FLAGS="--disable-integration-tests --enable-werror"
	echo "quickstart: the whole suite passed, and make distcheck"
	echo "$pass passed, $fail failed"
	;;
*)
	echo "usage: $0 demo|test" >&2
	exit 2
	;;
esac
