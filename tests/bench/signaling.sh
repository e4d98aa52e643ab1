#!/bin/bash
# signaling.sh [udp|tls|tlsnew|both|all|compare|maxrate|mem|conns|perf|ab] -- signaling
# figures of umsbcd. A benchmark, not a test: it prints figures and never fails
# on a slow machine.
#
# Highest clean rate (udp, tls, tlsnew, both = udp+tls, all): the highest SIPp
# call rate through umsbcd with < 0.1 % failed calls, and umsbcd's CPU time per call.
#   udp: gw2 (unsecured) SIPp UAC -t u1 -> umsbcd 127.0.0.1:5060 -> SIPp UAS um1 (udp)
#   tls: gw1 SIPp UAC -t t1 -> stunnel (client cert gw1) == one persistent mutual-TLS
#        connection ==> umsbcd 127.0.0.1:5061 -> SIPp UAS um1 (udp)
#   tlsnew: as tls, but SIPp -t tn and stunnel without session resumption: every
#        call is a new TCP connection and a full mutual-TLS handshake (RSA 2048)
# Each step runs RATE cps for STEP_SECONDS (default 10) s with calls held 1 s;
# the rate doubles until a step loses more than 0.1 % of its calls or cannot
# keep the rate. Uses the umsbcd given in UMSBCD (build without sanitizers).
#
# umsbcd against Kamailio (Debian's kamailio + kamailio-tls-modules, the
# minimal stateful proxy tests/bench/kamailio.cfg on umsbcd's addresses):
#   compare: for each front in FRONTS (udp tcp tls) and UM server transport in
#        UMS (udp tcp), REPS (2) times: one step of umsbcd, then one of
#        Kamailio (A/B/A/B), each freshly started, RATE (2000) cps for
#        STEP_SECONDS (15) s, calls held 1 s. Per step: calls, failed, CPU per
#        completed call (all the server's processes; threads are in the
#        process's /proc/PID/stat), p50/p99 of INVITE -> 100 Trying and of
#        INVITE -> forwarded INVITE (captured packets, see below), peak RSS
#        (VmHWM, summed over Kamailio's processes) and PSS, and the load
#        average; then the ratios umsbcd/Kamailio. KAM_ARGS: Kamailio's
#        options (default "-x tlsf -X tlsf", its fast memory managers)
#        tcp front: gw2 SIPp -t t1 (one connection) -> 127.0.0.1:5060
#        A step in which the kernel dropped UDP datagrams (the *Errors
#        counters of /proc/net/snmp, all of the namespace) says so on a line
#        of its own, with the counts
#   maxrate: the highest clean rate (< 0.1 % failed, in 1.5 x the step's
#        time) of umsbcd and of Kamailio on each front in FRONTS, UM server
#        over MAXRATE_UM (udp): RATES ("2000 3000 4000 5000 6000 7000 8000")
#        in turn, one fresh step of STEP_SECONDS each, no packet capture; on
#        the udp and tcp fronts UACS (2) SIPp processes share the gateway's
#        load (a lone SIPp is the first to give way, see uac_run)
#   mem: RSS per call in progress: MEM_CPS (200) calls/s held MEM_HOLD (60) s,
#        UDP front and UM server; (RSS at the plateau - idle) / calls in progress
#   conns: CONNS (10000) idle mutual-TLS connections from gw1's address
#        (tests/integration/connhold.py with gw1's certificate) to each server:
#        RSS per connection, how many are held; for umsbcd also the time of a
#        SIGHUP reload at that load (kill -HUP -> UMS1010) and what dropped.
#        CONNS_SERVERS="umsbcd kamailio" (default both). Kamailio runs with
#        tcp_children = 1 here (CONNS_KAM_TCP_CHILDREN): with 2, Debian's
#        5.6.3 on OpenSSL 3 loses TLS workers to a double free within 100
#        handshakes (kamailio#3791)
#   ab: umsbcd (UMSBCD) against another build of it (UMSBCD_B) on one cell
#        (AB_FRONT, AB_UM), AB_PAIRS pairs of steps in turned order; the
#        median of B/A CPU per call (see ab_run in compare-lib.sh)
#   perf: `perf record -g` of umsbcd for one step (PERF_FRONT, default udp; UM server over
#        PERF_UM, default tcp, at RATE): the top DSOs and symbols
# Latency: dumpcap on lo keeps only datagrams/segments that start with
# "INVITE" or "SIP/2.0 100 " (a BPF filter on the payload, so the capture
# costs little); tests/bench/sip-latency.py reads Call-ID and the kernel's
# timestamps (1 us resolution; LAT=0: no capture); per call the first
# INVITE from the gateway, the first 100 to it and the first INVITE to the
# UM server. LAT_BPF replaces the capture filter (e.g. "port 5060" and
# KEEP_PCAP=1 IT_KEEP=1 to keep every packet of a step). On the tls front the gateway side
# is SIPp <-> stunnel (plain TCP on 127.0.0.7:15061): those figures include
# stunnel's TLS work both ways.
IT_LIMIT=0
. "$(dirname "$0")/../integration/lib.sh"
need sipp stunnel
MODE=${1:-both}
BENCH=$(cd "$IT_DIR/../bench" && pwd)
STEP=${STEP_SECONDS:-10}
HZ=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
MAXSOCK=$(( $(ulimit -n) - 500 ))	# SIPp refuses -max_socket above the open-files limit

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

legacy_setup() {
	# Flood limits off: at 1,600 cps one SIPp sends 4,800 datagrams/s, over the
	# default udp_rate, and the limit (not umsbcd's capacity) failed 20 % of calls.
	write_conf "$TD" 'limits = { udp_rate = 0; connection_rate = 0; };'
	start_umsbcd "$TD"
	echo "umsbcd: $UMSBCD ($(file -b "$UMSBCD" | cut -d, -f1)); $(nproc) cores; $(date -u +%F)"
	sipp -sf "$SCEN/uas.xml" -t u1 -i 127.0.0.20 -p 5060 -mi 127.0.0.20 -nostdin -aa \
		-max_socket $MAXSOCK -timeout 3600 >"$TD/uas.out" 2>&1 &
	track $!
	wait_port udp 127.0.0.20 5060 5 || fail "UAS did not start"
}

run_mode() {
	local mode=$1 dest t from port rate best=0 best_cpu=
	if [ "$mode" = tls ]; then
		gw1_tls_client
		tls_scen "$SCEN/uac.xml" "$TD/uac_bench.xml"
		dest=127.0.0.7:15061 t=t1 from=127.0.0.7 port=5070
	elif [ "$mode" = tlsnew ]; then
		stunnel_start gw1-full "[gw1-full]
client = yes
accept = 127.0.0.7:15062
connect = 127.0.0.1:5061
local = 127.0.0.7
cert = $TD/pki/gw1.pem
CAfile = $TD/pki/ca.crt
verifyChain = yes
checkHost = sbc.example.test
sessionResume = no"
		wait_port tcp 127.0.0.7 15062 5 || fail "stunnel (full handshakes) did not start"
		tls_scen "$SCEN/uac.xml" "$TD/uac_bench.xml"
		dest=127.0.0.7:15062 t=tn from=127.0.0.7 port=5071
	else
		cp "$SCEN/uac.xml" "$TD/uac_bench.xml"
		dest=127.0.0.1:5060 t=u1 from=127.0.0.8 port=5060
	fi
	printf '%-4s %8s %8s %8s %8s %10s %12s\n' mode cps calls ok failed "fail%" "cpu_us/call"
	for rate in ${RATES:-200 400 800 1600 3200 6400 12800}; do
		local total=$((rate * STEP)) c0 c1 t0 t1 out=$TD/uac-$mode-$rate.out
		c0=$(cpu_ticks "$UMSBCD_PID"); t0=$(now_ms)
		timeout $((STEP * 4 + 30)) sipp -sf "$TD/uac_bench.xml" -s 123 "$dest" -t $t -i $from -p $port \
			-mi $from -r "$rate" -m "$total" -l $((rate * 3)) -d 1000 -nostdin -max_socket $MAXSOCK \
			-timeout $((STEP * 4 + 20)) >"$out" 2>&1
		t1=$(now_ms); c1=$(cpu_ticks "$UMSBCD_PID")
		local ok fl
		ok=$(grep -a 'Successful call' "$out" | tail -1 | awk -F'|' '{print $3+0}')
		fl=$(grep -a 'Failed call' "$out" | tail -1 | awk -F'|' '{print $3+0}')
		ok=${ok:-0}; fl=${fl:-0}
		local cpu_us=$(( (c1 - c0) * 1000000 / HZ / (ok > 0 ? ok : 1) ))
		local pct
		pct=$(awk -v f="$fl" -v o="$ok" 'BEGIN{ printf "%.3f", (f+o) ? 100*f/(f+o) : 100 }')
		printf '%-4s %8d %8d %8d %8d %10s %12d   (%d s)\n' "$mode" "$rate" "$total" "$ok" "$fl" "$pct" "$cpu_us" $(((t1 - t0) / 1000))
		if awk -v p="$pct" 'BEGIN{exit !(p >= 0.1)}' || [ "$ok" -lt $((total * 99 / 100)) ]; then
			break
		fi
		best=$rate best_cpu=$cpu_us
	done
	echo "RESULT $mode: highest clean rate ${best} cps (< 0.1 % failed), umsbcd CPU ${best_cpu:-?} us per call," \
		"peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$UMSBCD_PID/status")"
}

case $MODE in
udp|tls|tlsnew) legacy_setup; run_mode "$MODE" ;;
both) legacy_setup; run_mode udp; run_mode tls ;;
all) legacy_setup; run_mode udp; run_mode tls; run_mode tlsnew ;;
compare|maxrate|mem|conns|perf|ab)
	. "$BENCH/compare-lib.sh"
	cmp_setup
	case $MODE in
	compare) cmp_run ;;
	maxrate) maxrate_run ;;
	mem) mem_run ;;
	conns) conns_run ;;
	perf) perf_run ;;
	ab) ab_run ;;
	esac ;;
*) fail "usage: signaling.sh [udp|tls|tlsnew|both|all|compare|maxrate|mem|conns|perf|ab]" ;;
esac
finish 2>/dev/null || true
