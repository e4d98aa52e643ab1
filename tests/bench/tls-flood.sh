#!/bin/bash
# tls-flood.sh [SECONDS] [CPS] -- a trusted gateway's call set-up time while a
# stranger floods 5061 with full TLS handshakes (issue 12 item 8). A
# benchmark: it prints figures and never fails on a slow machine.
#
#   gw1: SIPp UAC -t t1 -> stunnel (gw1's certificate, one persistent
#        mutual-TLS connection) => umsbcd 127.0.0.1:5061 -> SIPp UAS um1 (udp)
#   flood: tests/integration/connhold.py from 127.0.0.30 and 127.0.0.31, each
#        keeping 8 connections (the per-address cap) in full handshakes with
#        a valid certificate of our CA that names no gateway (stranger), each
#        reopened as umsbcd closes it after the handshake
# Two runs of SECONDS (default 20) at CPS (default 100) calls/s: without and
# with the flood. Prints per run: handshakes/s achieved, umsbcd CPU, INVITE ->
# 200 time p50/p99 (SIPp -trace_rtt), failed calls. Uses UMSBCD (a build
# without sanitizers).
IT_LIMIT=0
. "$(dirname "$0")/../integration/lib.sh"
need sipp stunnel python3
SECS=${1:-20}
CPS=${2:-100}
HZ=$(getconf CLK_TCK)
HOLD="python3 $IT_DIR/connhold.py"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# thread_ticks PID : "NAME TICKS" per thread name (the core thread is "umsbcd")
thread_ticks() {
	for t in /proc/$1/task/*; do
		printf '%s %s\n' "$(cat "$t/comm")" "$(sed 's/^.*) //' "$t/stat" | awk '{print $12 + $13}')"
	done | awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }' | sort
}

write_conf "$TD"
start_umsbcd "$TD"
echo "umsbcd: $UMSBCD ($(file -b "$UMSBCD" | cut -d, -f1)); $(nproc) cores; $(date -u +%F)"
sipp -sf "$SCEN/uas.xml" -t u1 -i 127.0.0.20 -p 5060 -mi 127.0.0.20 -nostdin -aa \
	-timeout 3600 >"$TD/uas.out" 2>&1 &
track $!
wait_port udp 127.0.0.20 5060 5 || fail "UAS did not start"
gw1_tls_client
tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"

# run LABEL FLOOD(0|1)
run() {
	local label=$1 flood=$2 pids=() c0 c1 t0 t1 out=$TD/uac-$1.out rtt
	if [ "$flood" = 1 ]; then
		for src in 127.0.0.30 127.0.0.31; do
			$HOLD --target 127.0.0.1:5061 --src $src --count 8 --hold $((SECS + 5)) --reopen --tls \
				--cert "$TD/pki/stranger.crt" --key "$TD/pki/stranger.key" --ca "$TD/pki/ca.crt" \
				>"$TD/flood-$src.txt" &
			pids+=($!)
			track $!
		done
		sleep 2		# let the flood reach its pace before measuring
	fi
	c0=$(cpu_ticks "$UMSBCD_PID"); t0=$(now_ms); thread_ticks "$UMSBCD_PID" >"$TD/th0-$label"
	(cd "$TD" && timeout $((SECS * 3 + 30)) sipp -sf "$TD/uac_tls.xml" -s 123 127.0.0.7:15061 -t t1 \
		-i 127.0.0.7 -p 5070 -mi 127.0.0.7 -r "$CPS" -m $((CPS * SECS)) -d 200 -nostdin \
		-timeout $((SECS * 3 + 20)) -trace_rtt -rtt_freq 1 >"$out" 2>&1)
	t1=$(now_ms); c1=$(cpu_ticks "$UMSBCD_PID"); thread_ticks "$UMSBCD_PID" >"$TD/th1-$label"
	local hs=0
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait_exit "$p" 10 >/dev/null; done
	if [ "$flood" = 1 ]; then
		hs=$(cat "$TD"/flood-*.txt | awk '$1 == "handshakes" { s += $2 } END { print s + 0 }')
	fi
	rtt=$(ls -t "$TD"/uac_tls_*_rtt.csv 2>/dev/null | head -1)
	local ok fl
	ok=$(grep -a 'Successful call' "$out" | tail -1 | awk -F'|' '{print $3+0}')
	fl=$(grep -a 'Failed call' "$out" | tail -1 | awk -F'|' '{print $3+0}')
	printf '%-10s %12s %10s %10s %10s %8s %8s\n' "$label" \
		"$(( hs * 1000 / (t1 - t0 + 2000 * flood) ))" \
		"$(( (c1 - c0) * 100 * 1000 / HZ / (t1 - t0) ))%" \
		"$(awk -F';' 'NR > 1 { print $2 }' "$rtt" | sort -n | awk '{ a[NR] = $1 } END { print a[int(NR * 0.5 + 0.5)] }')" \
		"$(awk -F';' 'NR > 1 { print $2 }' "$rtt" | sort -n | awk '{ a[NR] = $1 } END { print a[int(NR * 0.99 + 0.5)] }')" \
		"${ok:-0}" "${fl:-0}"
	rm -f "$rtt"
	join "$TD/th0-$label" "$TD/th1-$label" | awk -v ms=$((t1 - t0)) -v hz="$HZ" \
		'{ printf "           thread %-14s %5.1f%% of a core\n", $1, ($3 - $2) * 100000 / hz / ms }'
}

printf '%-10s %12s %10s %10s %10s %8s %8s\n' run "handshakes/s" "umsbcd cpu" "p50 ms" "p99 ms" ok failed
run quiet 0
run flood 1
echo "node.workers = $(grep -o 'workers = [0-9]*' "$TD/umsbc.conf" | head -1 | awk '{print $3}'): TLS handshakes run on umsbcd-sip, SIP state on the core thread (umsbcd)"
finish 2>/dev/null || true
