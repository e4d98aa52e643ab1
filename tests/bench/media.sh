#!/bin/bash
# media.sh [umsbcd|rtpengine|both] -- media relay throughput: N concurrent
# bridged G.711 calls, SRTP (AES_CM_128_HMAC_SHA1_80, SDES) on the gateway leg
# <-> plain RTP on the UM leg, 160-byte PCMU payloads at 50 packets/s each way
# on each leg, for increasing N, through umsbcd and through rtpengine (Debian's
# rtpengine-daemon, userspace only: --table=-1), side by side.
# A benchmark, not a test: it prints figures and never fails on a slow machine.
#
# Per step (N calls): set the calls up, let tests/bench/mediagen play both ends
# for WARMUP_SECONDS (default 1) + STEP_SECONDS (default 10) s, print one row
# measured over the last STEP_SECONDS:
#   pkt/s-relayed  packets the relay delivered per second, both directions
#                  (= 100 * N when nothing is lost)
#   pkt/s/core     that, divided by the relay's CPU time per second
#                  (utime+stime of all its threads, /proc/PID/stat)
#   loss%          packets sent in the window that did not come out of the relay
#                  within 1 s after the window (queued longer = lost for a call;
#                  the detail line says how many the kernel dropped at full
#                  receive buffers, the rest were queued)
#   relay-CPU%     the relay's CPU time over the window (100 = one core)
#   gen-CPU%       mediagen's two threads (gateway end + UM end)
#   host(other)-CPU%  the whole machine over the window, 200 = two cores busy;
#                  in brackets what is neither relay nor mediagen (SIPp,
#                  stunnel, and work of others on the same machine)
#   lat-ms         one-way delay generator -> relay -> generator (kernel receive
#                  timestamps), avg/p99/max; "queueing" when p99 > 50 ms
# and on a second line the relay's busiest threads (/proc/PID/task), its RSS
# per call while the step's calls are up ((VmRSS now - VmRSS before the first
# step) / N), and when something went wrong the counters that say where.
# Before the relays and after them, tests/bench/media_limit measures the
# floor of one relayed packet on this machine (recvmmsg + sendmmsg with
# loopback delivery + SRTP, in CPU time); the summary gives each relay's
# packets/s per core as a share of that limit and umsbcd's against rtpengine's
# at the same N, and each relay's CPU over mediagen's in the same step
# ("per gen"). The relays run one after the other, and the machine's speed
# moves between runs; mediagen's work is the same in both, so its CPU is a
# yardstick of the moment, and rtpengine's "per gen" over umsbcd's is the
# steadier ratio (reported beside the plain one as "by gen").
# N grows (STEPS) until loss > LOSS_LIMIT % (default 1) or the generator
# cannot keep its schedule (then the relay's limit was not reached).
#
#   umsbcd:    gw1 = SIPp UAC (-t t1) -> stunnel (mutual TLS, client cert gw1,
#              source 127.0.0.7) -> umsbcd 127.0.0.1:5061 -> SIPp UAS um1
#              127.0.0.20:5060 (udp). INVITE SDP: c=127.0.0.7 m=audio 20000
#              RTP/SAVP + one a=crypto line; the UM server answers RTP/AVP
#              c=127.0.0.20 m=audio 22000. The SIPp scenarios (scen/media_*.xml)
#              log the ports and the key umsbcd wrote into the SDPs; the calls
#              are held while mediagen plays, then ended with BYE.
#   rtpengine: two logical interfaces, outside/127.0.0.1 and inside/127.0.0.2;
#              mediagen ng-setup sends the same offer (RTP/SAVP + a=crypto, with
#              transport-protocol RTP/AVP) and answer (RTP/AVP) over NG.
# mediagen binds 127.0.0.7:20000 (the gateway) and 127.0.0.20:22000 (the UM
# server) for every call: a relay takes media only from the SDP's address.
#
# Environment: UMSBCD (a build without sanitizers), STEPS (default
# "50 100 200 400 800 1600 2400"), STEP_SECONDS, WARMUP_SECONDS, LOSS_LIMIT,
# SETUP_CPS (SIPp call rate while setting a step's calls up, default 200),
# MEDIAGEN (default: tests/bench/mediagen of UMSBCD's build),
# UMSBCD_MEDIA_WORKERS (media.workers; default: umsbcd's, one per CPU),
# UMSBCD_MEDIA_IO (media.io, e.g. "epoll uring": umsbcd runs once per path,
# each row labelled umsbcd/PATH; default: umsbcd's, auto), MEDIA_LIMIT (the
# media_limit program; default: next to UMSBCD in its build tree),
# UMSBCD_MEDIA_EXTRA (appended to umsbcd's config), RTPENGINE_ARGS (added to
# rtpengine's command line), GEN_RT (SCHED_FIFO priority of mediagen's two
# threads, default 10, so that its packets leave on time on a busy machine as
# they would from a NIC; 0 = normal priority).
# shellcheck disable=SC2034 # lib.sh reads it: no watchdog for a benchmark
IT_LIMIT=0
. "$(dirname "$0")/../integration/lib.sh"
BENCH=$(dirname "$(readlink -f "$0")")
MODE=${1:-both}
STEP=${STEP_SECONDS:-10}
WARMUP=${WARMUP_SECONDS:-1}
STEPS=${STEPS:-"50 100 200 400 800 1600 2400"}
LOSS_LIMIT=${LOSS_LIMIT:-1}
CPS=${SETUP_CPS:-200}
GEN_RT=${GEN_RT:-10}
SUITE=AES_CM_128_HMAC_SHA1_80
GW_IP=127.0.0.7 GW_PORT=20000 UM_IP=127.0.0.20 UM_PORT=22000
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
MAXSOCK=$(( $(ulimit -n) - 500 ))

case $MODE in umsbcd|rtpengine|both) ;; *) fail "usage: media.sh [umsbcd|rtpengine|both]" ;; esac

# --- the generator ---------------------------------------------------------
# mediagen links the media library: make builds it next to umsbcd.
MG=${MEDIAGEN:-$(dirname "$(dirname "$UMSBCD")")/tests/bench/mediagen}
[ -x "$MG" ] || fail "no mediagen at $MG: run make in the build of UMSBCD, or set MEDIAGEN"

# --- the machine -----------------------------------------------------------
# busy share of all cores and processes started per second, over 2 s, before
# anything of ours runs: other work on the machine competes for the same cores
host_report() {
	local a b
	a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9} /^processes/{print $2}' /proc/stat | tr '\n' ' ')
	sleep 2
	b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9} /^processes/{print $2}' /proc/stat | tr '\n' ' ')
	echo "$a $b" | awk -v n="$(nproc)" '{ printf "%.0f %% of %d cores busy, %.0f processes started/s", 100 * n * ($4 - $1) / ($5 - $2), n, ($6 - $3) / 2 }'
}
echo "media.sh $MODE: $(nproc) cores ($(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)), $(date -u '+%F %H:%M UTC')"
echo "  before the run (nothing of ours running): $(host_report); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  every process of the run shares these cores: the relay, mediagen (2 threads$([ "$GEN_RT" -gt 0 ] && echo ", SCHED_FIFO $GEN_RT")), and for umsbcd SIPp x2 + stunnel (idle while media flows)"
echo "  steps: $STEPS calls, ${WARMUP}+${STEP} s each; G.711 PCMU 20 ms, SRTP $SUITE outside <-> RTP inside"

print_header() { printf '%-13s ' relay; "$MG" header; }
RESULTS=()

# --- the limit of this machine ---------------------------------------------
ML=${MEDIA_LIMIT:-$(dirname "$(readlink -f "${UMSBCD:-/nonexistent}")")/../tests/bench/media_limit}
LIMITS=()
run_limit() {
	[ -x "$ML" ] || { echo "  (no media_limit at $ML: build the tree, or set MEDIA_LIMIT)"; return; }
	"$ML" 2 >"$TD/limit.out" || return
	echo "  $1 $(head -1 "$TD/limit.out")"
	LIMITS+=("$(awk '/^limit_pps_per_core/{print $2}' "$TD/limit.out")")
}
run_limit "before the relays:"

# rss_kib PID : its VmRSS now
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null; }
# rss_note PID BASE N : the RSS per call of a step
rss_note() {
	local now
	now=$(rss_kib "$1")
	[ -n "$now" ] && echo "          RSS: $now KiB with $3 calls up, $(( (now - $2) * 1024 / $3 )) bytes per call over the $2 KiB before the first step"
}

# --- rtpengine -------------------------------------------------------------
run_rtpengine() {
	need rtpengine
	local pid n rc
	echo
	echo "=== rtpengine $(rtpengine --version 2>&1 | awk '/Version/{print $2}') (userspace, --table=-1)"
	# shellcheck disable=SC2086
	rtpengine --config-file=none -f -E -L 5 --table=-1 \
		--interface=outside/127.0.0.1 --interface=inside/127.0.0.2 \
		--listen-ng=127.0.0.1:2223 -m 30000 -M 39999 --delete-delay=0 --timeout=600 \
		${RTPENGINE_ARGS:-} >"$TD/rtpengine.log" 2>&1 &
	pid=$!
	track $pid
	wait_port udp 127.0.0.1 2223 5 || { tail -20 "$TD/rtpengine.log"; fail "rtpengine did not start"; }
	echo "  pid $pid, $(awk '/^Threads/{print $2}' /proc/$pid/status) threads; rtpengine $(tr '\0' ' ' </proc/$pid/cmdline | cut -d' ' -f2-)"
	print_header
	local rss0
	rss0=$(rss_kib $pid)
	for n in $STEPS; do
		if ! "$MG" ng-setup -s 127.0.0.1:2223 -n "$n" -o "$TD/map-rtpengine-$n" -c "s$n-" \
			-D outside,inside -g $GW_IP:$GW_PORT -u $UM_IP:$UM_PORT -S $SUITE 2>"$TD/ng-$n.err"; then
			echo "rtpengine $n: call set-up over NG failed:"; cat "$TD/ng-$n.err"
			break
		fi
		[ "$n" = "${STEPS%% *}" ] && sed 's/^/    /' "$TD/ng-$n.err" >"$TD/rtpengine-sdp.txt"
		printf '%-13s ' rtpengine
		"$MG" run -R "$GEN_RT" -n "$n" -w "$WARMUP" -d "$STEP" -p $pid -l "$LOSS_LIMIT" \
			-g $GW_IP:$GW_PORT -u $UM_IP:$UM_PORT "$TD/map-rtpengine-$n" | tee "$TD/row-rtpengine-$n"
		rc=${PIPESTATUS[0]}
		rss_note $pid "$rss0" "$n" | tee -a "$TD/rss-rtpengine"
		"$MG" ng-delete -s 127.0.0.1:2223 -n "$n" -c "s$n-" 2>/dev/null
		RESULTS+=("rtpengine     $(head -1 "$TD/row-rtpengine-$n")")
		[ "$rc" = 0 ] || break
	done
	echo "  rtpengine's SDPs for the first call (toward the UM server, toward the gateway):"
	cat "$TD/rtpengine-sdp.txt" 2>/dev/null
	_running $pid || { echo "!! rtpengine died"; tail -20 "$TD/rtpengine.log"; }
	echo "  rtpengine peak RSS $(awk '/VmHWM/{print $2, $3}' /proc/$pid/status 2>/dev/null) ($rss0 KiB before the first step);" \
		"errors/warnings in its log: $(grep -ciE 'error|warn' "$TD/rtpengine.log")"
	grep -aiE 'error|warn' "$TD/rtpengine.log" | head -3 | sed 's/^/    /'
	kill -TERM $pid 2>/dev/null
	wait_exit $pid 5 >/dev/null
}

# --- umsbcd ----------------------------------------------------------------
# media_conf IO : the media group (IO "": umsbcd's default)
media_conf() {
	echo "media = { outside_address = \"127.0.0.1\"; inside_address = \"127.0.0.2\"; port_min = 30000; port_max = 39999; timeout = 60; hold_timeout = 3600; srtp_suites = ( \"AES_CM_128_HMAC_SHA1_80\" );${UMSBCD_MEDIA_WORKERS:+ workers = $UMSBCD_MEDIA_WORKERS;}${1:+ io = \"$1\";} };"
}

# sipp_uac NAME N HOLD_MS [extra SIPp args] : gw1 places N calls through
# umsbcd (SETUP_CPS per second), each held HOLD_MS after its ACK; UAC_PID
sipp_uac() {
	local name=$1 n=$2 hold=$3; shift 3
	_SIPP_RUNS+=("$name")
	sipp -sf "$TD/media_uac_tls.xml" -s 123 127.0.0.7:15061 -t t1 -i 127.0.0.7 -p 5070 \
		-mi 127.0.0.7 -r "$CPS" -m "$n" -l "$n" -d "$hold" -nostdin -max_socket $MAXSOCK \
		-timeout $((hold / 1000 + n / CPS + 60)) -trace_logs -log_file "$TD/$name.log" \
		-trace_err -error_file "$TD/$name.err" "$@" >"$TD/$name.out" 2>&1 &
	UAC_PID=$!
	track $UAC_PID
}

# build_map NAME N SECS : wait until the N calls of run NAME are up (both
# SIPp ends logged their SDP), then write $TD/NAME.map; 1 if they are not
build_map() {
	local name=$1 n=$2 t=$3 i got=0
	for ((i = 0; i < t * 10; i++)); do
		got=$(grep -c '^MAPO ' "$TD/$name.log" 2>/dev/null)
		[ "${got:-0}" -ge "$n" ] && break
		_running "$UAC_PID" || break
		sleep 0.1
	done
	awk -v suite=$SUITE -v key="$GW_KEY" -v out="$TD/$name.map" '
		FNR == NR { if ($1 == "MAPI") inside[$2] = $3; next }
		$1 == "MAPO" { if ($2 in inside) { print $3, inside[$2], suite, key, $4, $5 > out; m++ } else miss++ }
		END { printf "%d %d\n", m, miss }' "$TD/uas.log" "$TD/$name.log" >"$TD/$name.mapcount"
	[ "$(cut -d' ' -f1 "$TD/$name.mapcount")" -ge "$n" ]
}

# calls_result NAME : "ok/failed" SIPp counts of run NAME
calls_result() {
	local o f
	o=$(grep -a 'Successful call' "$TD/$1.out" | tail -1 | awk -F'|' '{print $3+0}')
	f=$(grep -a 'Failed call' "$TD/$1.out" | tail -1 | awk -F'|' '{print $3+0}')
	echo "${o:-?} ok, ${f:-?} failed"
}

# umsbcd_counters SIPP_PID : umsbcd's own end-of-call counters (UMS5001) of
# the calls one SIPp run placed (their Call-IDs end in -PID@127.0.0.7)
umsbcd_counters() {
	grep -a "UMS5001 .*call-id=[0-9]*-$1@" "$TD/umsbcd.log" | awk '
		{ n++; for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "reason") r[kv[2]]++;
		  else if (kv[1] ~ /^(outside|inside)_pkts_(in|out)$|^srtp_|^foreign$|^drops$/) c[kv[1]] += kv[2] } }
		END { printf "%d calls ended (", n; sep = ""; for (k in r) { printf "%s%s %d", sep, k, r[k]; sep = ", " }
		      printf "); packets outside in/out %d/%d, inside in/out %d/%d; srtp_auth_failures %d, srtp_replays %d, foreign %d, drops %d",
		      c["outside_pkts_in"], c["outside_pkts_out"], c["inside_pkts_in"], c["inside_pkts_out"],
		      c["srtp_auth_failures"], c["srtp_replays"], c["foreign"], c["drops"] }'
}

# run_umsbcd [IO] : the steps through umsbcd with media.io = IO
run_umsbcd() {
	need sipp stunnel
	local n rc hold t0 ready left rss0 io=${1:-} label=umsbcd${1:+/$1}
	echo
	echo "=== $label $UMSBCD ($(file -b "$UMSBCD" | cut -d, -f1))"
	write_conf "$TD" "$(media_conf "$io")${UMSBCD_MEDIA_EXTRA:+
$UMSBCD_MEDIA_EXTRA}"
	start_umsbcd "$TD"
	grep -a 'UMS5005' "$TD/umsbcd.log" | head -1 | sed 's/^/    /' 
	echo "  pid $UMSBCD_PID, $(awk '/^Threads/{print $2}' /proc/"$UMSBCD_PID"/status) threads; config: $(grep -E '^node' "$TD/umsbc.conf")"
	echo "    $(grep -E '^media' "$TD/umsbc.conf")"
	[ -n "${UMSBCD_MEDIA_EXTRA:-}" ] && echo "    $UMSBCD_MEDIA_EXTRA"
	GW_KEY=$(openssl rand -base64 30)
	sed -e "s/@GW_IP@/$GW_IP/g; s/@GW_PORT@/$GW_PORT/g; s/@SUITE@/$SUITE/g; s#@KEY@#$GW_KEY#g" \
		"$BENCH/scen/media_uac.xml" >"$TD/media_uac.xml"
	tls_scen "$TD/media_uac.xml" "$TD/media_uac_tls.xml"
	sed -e "s/@UM_IP@/$UM_IP/g; s/@UM_PORT@/$UM_PORT/g" "$BENCH/scen/media_uas.xml" >"$TD/media_uas.xml"
	gw1_tls_client

	# one probe call, every message traced: umsbcd's SDPs, and media for 2 s
	uas_start probe-uas "$TD/media_uas.xml" u1 127.0.0.20 5060 -m 1 -trace_logs -log_file "$TD/uas.log"
	sipp_uac probe-uac 1 5000 -trace_msg -message_file "$TD/probe-uac.msg"
	if ! build_map probe-uac 1 10; then
		echo "!! the probe call was not set up ($(calls_result probe-uac))"
		wait_exit $UAC_PID 10 >/dev/null
		sed -n '/^INVITE/,/^-----/p' "$TD/probe-uas.msg" | sed 's/^/    uas< /' | head -40
		sed -n '/received/,/^-----/p' "$TD/probe-uac.msg" | sed 's/^/    uac< /' | head -60
		cat "$TD/probe-uac.err" "$TD/probe-uas.err" 2>/dev/null | tail -10
		tail -20 "$TD/umsbcd.log"
		RESULTS+=("$(printf '%-13s' "$label") probe call failed: no media relay in the SDP")
		return
	fi
	echo "  umsbcd's SDP toward the UM server (INVITE received by um1):"
	sip_received "$TD/probe-uas.msg" '^INVITE ' | sed -n '/^v=0/,$p' | sed 's/^/    /'
	echo "  umsbcd's SDP toward the gateway (200 received by gw1):"
	sip_received "$TD/probe-uac.msg" '^SIP/2.0 200' | sed -n '/^v=0/,$p' | sed 's/^/    /'
	[ "$(sip_received "$TD/probe-uac.msg" '^SIP/2.0 200' | grep -c '^a=crypto:')" = 1 ] ||
		echo "!! the 200 to the gateway does not carry exactly one a=crypto line"
	print_header
	printf '%-13s ' probe
	"$MG" run -R "$GEN_RT" -n 1 -w 0.5 -d 2 -p "$UMSBCD_PID" -l "$LOSS_LIMIT" -g $GW_IP:$GW_PORT -u $UM_IP:$UM_PORT \
		"$TD/probe-uac.map"
	wait_exit $UAC_PID 15 >/dev/null
	uas_wait probe-uas 10 2>/dev/null || true
	echo "  probe call: SIPp: $(calls_result probe-uac); umsbcd: $(umsbcd_counters $UAC_PID)"

	sipp -sf "$TD/media_uas.xml" -t u1 -i 127.0.0.20 -p 5060 -mi 127.0.0.20 -nostdin -aa \
		-max_socket $MAXSOCK -timeout 3600 -trace_logs -log_file "$TD/uas.log" \
		-trace_err -error_file "$TD/uas.err" >"$TD/uas.out" 2>&1 &
	UAS_PID=$!
	track $UAS_PID
	wait_port udp 127.0.0.20 5060 5 || fail "UAS did not start"
	rss0=$(rss_kib "$UMSBCD_PID")
	for n in $STEPS; do
		# each call is held until the media window is over: set-up time of
		# all N calls + warm-up + step + margin
		hold=$(( (n * 1000 / CPS) + (WARMUP + STEP) * 1000 + 6000 ))
		t0=$(now_ms)
		sipp_uac "uac-$n" "$n" "$hold"
		if ! build_map "uac-$n" "$n" $((n / CPS + 30)); then
			echo "umsbcd    $n: only $(cut -d' ' -f1 "$TD/uac-$n.mapcount") of $n calls set up" \
				"($(cut -d' ' -f2 "$TD/uac-$n.mapcount") without the UM side) in $(( ($(now_ms) - t0) / 1000 )) s;" \
				"SIPp: $(calls_result "uac-$n")"
			tail -5 "$TD/uac-$n.err" 2>/dev/null
			RESULTS+=("$(printf '%-13s' "$label") $n: call set-up failed")
			break
		fi
		ready=$(( $(now_ms) - t0 ))
		left=$(( hold - ready - (WARMUP + STEP + 1) * 1000 ))
		[ $left -lt 0 ] && echo "  (set-up took $ready ms: the first calls end before the media does)"
		printf '%-13s ' "$label"
		"$MG" run -R "$GEN_RT" -n "$n" -w "$WARMUP" -d "$STEP" -p "$UMSBCD_PID" -l "$LOSS_LIMIT" \
			-g $GW_IP:$GW_PORT -u $UM_IP:$UM_PORT "$TD/uac-$n.map" | tee "$TD/row-${label/\//-}-$n"
		rc=${PIPESTATUS[0]}
		rss_note "$UMSBCD_PID" "$rss0" "$n"
		RESULTS+=("$(printf '%-13s' "$label") $(head -1 "$TD/row-${label/\//-}-$n")")
		wait_exit $UAC_PID $((hold / 1000 + 60)) >/dev/null
		echo "          calls: set up in $ready ms; SIPp: $(calls_result "uac-$n") incl. BYE;" \
			"umsbcd: $(umsbcd_counters $UAC_PID)"
		_running "$UMSBCD_PID" || { echo "!! umsbcd died"; tail -20 "$TD/umsbcd.log"; break; }
		[ "$rc" = 0 ] || break
	done
	# (the test PKI's certificates live 30 days on purpose: UMS1006/UMS2004 are expected)
	echo "  $label peak RSS $(awk '/VmHWM/{print $2, $3}' /proc/"$UMSBCD_PID"/status 2>/dev/null) ($rss0 KiB before the first step);" \
		"warnings/errors in its log (other than certificate expiry): $(grep -aiE 'warn|err' "$TD/umsbcd.log" | grep -cvE 'UMS1004|UMS1006|UMS2004')"
	grep -aiE 'warn|err' "$TD/umsbcd.log" | grep -vE 'UMS1004|UMS1006|UMS2004' | head -5 | sed 's/^/    /'
	stop_umsbcd_for_next
}

# stop_umsbcd_for_next : umsbcd, the UM server and gw1's stunnel go, so that
# the next run_umsbcd starts afresh on the same addresses
stop_umsbcd_for_next() {
	local p
	for p in "$UMSBCD_PID" "${UAS_PID:-}" "${STUNNEL_PID:-}"; do
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null
		wait_exit "$p" 15 >/dev/null
	done
	# the SIPp logs of this run must not be read as the next one's
	mkdir -p "$TD/run-${UMSBCD_PID}"
	mv "$TD"/probe-* "$TD"/uac-* "$TD"/uas.* "$TD/umsbcd.log" "$TD/run-${UMSBCD_PID}/" 2>/dev/null
}

run_umsbcds() {
	local io
	if [ -z "${UMSBCD_MEDIA_IO:-}" ]; then run_umsbcd; return; fi
	for io in $UMSBCD_MEDIA_IO; do run_umsbcd "$io"; done
}

case $MODE in
rtpengine) run_rtpengine ;;
umsbcd) run_umsbcds ;;
both) run_umsbcds; run_rtpengine ;;
esac
run_limit "after the relays: "

echo
echo "=== summary ($(nproc) cores shared by relay, generator and whatever else runs; after: $(host_report))"
print_header
for r in "${RESULTS[@]}"; do echo "$r"; done
# ratios: packets/s per core over the limit (the lower of the two runs) and
# umsbcd's over rtpengine's at the same number of calls
if [ ${#LIMITS[@]} -gt 0 ]; then
	LIM=$(printf '%s\n' "${LIMITS[@]}" | sort -n | head -1)
	echo "  limit of this machine: $LIM packets/s per core (media_limit, runs: ${LIMITS[*]})"
fi
printf '%s\n' "${RESULTS[@]}" | awk -v lim="${LIM:-0}" '
	$2 ~ /^[0-9]+$/ && $4 ~ /^[0-9]+$/ {
		core[$1, $2] = $4; rel[$1] = 1; n[$2] = 1
		split($7, g, "+")
		if (g[1] + g[2] > 0) pergen[$1, $2] = $6 / (g[1] + g[2]) }
	END { for (c in n) for (r in rel) if ((r, c) in core) {
		line = sprintf("  %-13s %5d calls: %6d pkt/s/core", r, c, core[r, c])
		if (lim > 0) line = line sprintf(" = %5.1f %% of the limit", 100 * core[r, c] / lim)
		if ((r, c) in pergen) line = line sprintf(", %.3f per gen", pergen[r, c])
		if (r != "rtpengine" && ("rtpengine", c) in core) {
			line = line sprintf(", %.2f x rtpengine", core[r, c] / core["rtpengine", c])
			if ((r, c) in pergen && ("rtpengine", c) in pergen && pergen[r, c] > 0)
				line = line sprintf(" (%.2f x by gen)", pergen["rtpengine", c] / pergen[r, c])
		}
		print line } }' | sort -k2,2 -k3n
finish 2>/dev/null || true
