# common.sh -- sourced by run.sh and long.sh: where things are, the targets,
# their seeds and how each is built with clang (libFuzzer + ASan + UBSan).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${FUZZ_BUILD:-$top/build/fuzz}
artifacts=$here/artifacts
targets=${FUZZ_TARGETS:-fuzz_sipmsg fuzz_sdp fuzz_call fuzz_srtp fuzz_sipframe fuzz_control}
mkdir -p "$out" "$artifacts"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top -I$top/proxy"
# config.h of an out-of-tree build is not needed: the target defines what it uses.
printf '#define PACKAGE_VERSION "fuzz"\n' > "$out/config.h"

# build_target NAME PKG-CONFIG-PACKAGES SOURCES-AND-LIBS...
build_target() {
	local name=$1 pkgs=$2; shift 2
	clang $cflags $(pkg-config --cflags $pkgs) -I"$out" -o "$out/$name" "$here/$name.c" "$@" \
		$(pkg-config --libs $pkgs)
}

# fuzz_build NAME: builds $out/NAME.
fuzz_build() {
	local p=$top/proxy m=$top/media
	local all="sofia-sip-ua openssl libsrtp2 libevent libevent_pthreads libconfig libpcre2-8"
	case $1 in
	fuzz_sipmsg) build_target fuzz_sipmsg "sofia-sip-ua openssl" "$p/sipmsg.c" ;;
	fuzz_sdp) build_target fuzz_sdp "sofia-sip-ua openssl" "$p/sdp_rewrite.c" ;;
	# The call layer with its config loader and a real media relay behind it.
	fuzz_call) build_target fuzz_call "$all liburing" "$p"/{call,call_sdp,sdp_rewrite,sipmsg,conf,confget,hub_conf,log,policy_conf,numrule,resolve,resolve_lookup,resolve_srv}.c \
		"$m"/{b64,packet,packet_handle,packet_uring,portpool,relay,sdes,srtp_ctx,srtp_ossl,stream,uring_probe}.c "$top"/util/{hashtab,jobq,netaddr}.c \
		-lpthread -lresolv ;;
	# Media datagrams through libsrtp2 and our OpenSSL ciphers.
	fuzz_srtp) build_target fuzz_srtp "$all" "$m"/{b64,sdes,srtp_ctx,srtp_ossl}.c -lpthread ;;
	# SIP over TCP/TLS cut into reads; the control socket's lines.
	fuzz_sipframe) build_target fuzz_sipframe "sofia-sip-ua libevent_core" "$p/sipframe.c" "$p/sipmsg.c" ;;
	fuzz_control) build_target fuzz_control "libevent_core" "$p/control.c" ;;
	*) echo "fuzz: unknown target $1" >&2; return 2 ;;
	esac
}

# fuzz_seeds NAME: the directories of its seed inputs.
fuzz_seeds() {
	case $1 in
	fuzz_sipmsg) echo "$here/corpus $top/tests/integration/rfc4475" ;;
	*) echo "$here/corpus-${1#fuzz_}" ;;
	esac
}

# The options every run of every target takes.
fuzz_opts() {	# fuzz_opts NAME
	echo "-max_len=8192 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$artifacts/$1- -print_final_stats=1"
}
