# soak-lib.sh -- the soak machinery shared by tests/bench/soak.sh (an hour on
# a release build) and tests/integration/t-soak.sh (about 3 minutes, in CI
# under the sanitizers). Source it after tests/integration/lib.sh.
#
# Three gateway fronts place calls at once, each at a third of the rate, all
# to one UM server; every call carries RTP both ways through umsbcd's relay:
#
#   udp  gw2    SIPp UAC -t u1 127.0.0.8:5060  --UDP--> umsbcd 127.0.0.1:5060
#   tcp  gw2tcp SIPp UAC -t t1 127.0.0.18:5060 --TCP--> umsbcd 127.0.0.1:5060
#               (a second unsecured gateway, so that umsbcd's end-of-call
#               lines say which front a call came by)
#   tls  gw1    SIPp UAC -t t1 127.0.0.7:5070 -> stunnel 127.0.0.7:15061
#               ==mutual TLS (gw1's certificate)==> umsbcd 127.0.0.1:5061;
#               gw1 is in a sip-secured dial plan "tls" here (SIP over TLS,
#               plain RTP): SIPp 3.6 cannot send SRTP, which gw1's usual
#               secured plan would require
#   umsbcd 127.0.0.2 --UDP--> um1 SIPp UAS 127.0.0.20:5060
#
# A call (scen/soak_uac.xml, scen/soak_uas.xml): INVITE with SDP -> 180 -> 200
# -> ACK, then both ends play RTP with SIPp's rtp_stream (PCMA, 50 packets/s,
# from the port their SDP named: 7000 on each gateway address, 6000 on um1)
# for SOAK_HOLD_MS, then the gateway sends BYE. Each end checks that the SDP
# it got names umsbcd's address (else the call fails). umsbcd's end-of-call
# line (UMS5001) then shows packets in and out on both legs of every call.
#
# Per sample (soak_run): elapsed time, per front calls attempted/completed/
# failed (SIPp -trace_stat, written every second), the UM server's calls
# received/failed, umsbcd's VmRSS and CPU (/proc), and `umsbcctl status`:
# connections, calls_active, media_ports_in_use, transactions.
#
# Functions: soak_setup, soak_restart, soak_run CPS SECS INTERVAL (or
# soak_start CPS SECS alone), soak_drain, soak_media [MARK], soak_rss_fit
# FROM_S, soak_totals and the soak_verdict_* functions; the verdicts report
# through lib.sh's soft_fail, and everything leaves its figures in SOAK_*
# variables.

SOAK_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
SOAK_HOLD_MS=${SOAK_HOLD_MS:-2000}
SOAK_FRONTS="udp tcp tls"
SOAK_HZ=$(getconf CLK_TCK)

soak_status() { "$UMSBCCTL" -c "$TD/umsbc.conf" status 2>/dev/null; }
soak_stat_val() { soak_status | awk -v k="$1" '$1 == k { print $2 }'; }
soak_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$UMSBCD_PID/status" 2>/dev/null; }
soak_cpu_ticks() { sed 's/^.*) //' "/proc/$UMSBCD_PID/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }

# soak_csv NAME COLUMN... : the named columns of the last complete line of
# SIPp's -trace_stat file $TD/NAME.csv, space-separated (zeros before any)
soak_csv() {
	local f=$TD/$1.csv c; shift
	[ -s "$f" ] || { for c in "$@"; do printf '0 '; done; echo; return; }
	awk -F';' -v cols="$*" '
		NR == 1 { nf = NF; for (i = 1; i <= NF; i++) col[$i] = i; next }
		NF == nf { last = $0 }
		END { n = split(cols, want, " "); split(last, v, ";")
		      for (i = 1; i <= n; i++) printf "%s%s", (v[col[want[i]]] == "" ? 0 : v[col[want[i]]] + 0), (i < n ? " " : "\n") }' "$f"
}

# soak_sipp NAME SIPP-ARGS... : SIPp in the background with statistics
# (NAME.csv every second), errors (NAME.err) and its final screens
# (NAME.screen); no message trace (too big for an hour). PID in SIPP_PID.
soak_sipp() {
	local n=$1; shift
	_SIPP_RUNS+=("$n")
	sipp "$@" -nostdin -max_socket "$SOAK_MAXSOCK" -trace_stat -stf "$TD/$n.csv" -fd 1 \
		-trace_err -error_file "$TD/$n.err" -trace_screen -screen_file "$TD/$n.screen" \
		>"$TD/$n.out" 2>&1 &
	SIPP_PID=$!
	track "$SIPP_PID"
}

# soak_setup : the scenarios, the config (media group, gw2tcp, gw1 in a
# sip-secured plan), umsbcd, the UM server, gw1's stunnel; then soak_idle
soak_setup() {
	need sipp stunnel
	[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"
	ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	SOAK_MAXSOCK=$(( $(ulimit -n) - 200 ))
	# 4 s of A-law, looped: a ramp of byte values rather than silence
	awk 'BEGIN { for (i = 0; i < 32000; i++) printf "%c", 32 + (i % 200) }' >"$TD/soak.alaw"
	[ "$(stat -c %s "$TD/soak.alaw")" -ge 32000 ] || fail "could not write the audio file"
	sed -e "s#@AUDIO@#$TD/soak.alaw#g" -e 's#@OUT_IP@#127\\.0\\.0\\.1#g' \
		"$SOAK_LIB_DIR/scen/soak_uac.xml" >"$TD/soak_uac.xml"
	tls_scen "$TD/soak_uac.xml" "$TD/soak_uac_tls.xml"
	sed -e "s#@AUDIO@#$TD/soak.alaw#g" -e 's#@IN_IP@#127\\.0\\.0\\.2#g' \
		"$SOAK_LIB_DIR/scen/soak_uas.xml" >"$TD/soak_uas.xml"

	CONF_EXTRA_DIALPLANS=', { name = "tls"; security = "sip-secured"; um_servers = ( "um1" ); }'
	CONF_GW1_DIALPLAN=tls
	CONF_EXTRA_GATEWAYS=', { name = "gw2tcp"; fqdn = "gw2tcp.example.test"; addresses = ( "127.0.0.18" ); port = 5060; dialplan = "branch"; }'
	# 15,000 media ports: 3,750 calls at once (4 a call); a descriptor each
	write_conf "$TD" 'media = { outside_address = "127.0.0.1"; inside_address = "127.0.0.2"; port_min = 20000; port_max = 34999; timeout = 10; };'
	start_umsbcd "$TD"
	wait_port udp 127.0.0.1 5060 5 && wait_port tcp 127.0.0.1 5060 5 && wait_port tcp 127.0.0.1 5061 5 ||
		fail "umsbcd is not listening on 127.0.0.1 5060/udp, 5060/tcp and 5061/tcp"

	soak_sipp um1 -sf "$TD/soak_uas.xml" -t u1 -i 127.0.0.20 -p 5060 -mi 127.0.0.20 -mp 6000 \
		-recv_timeout $((SOAK_HOLD_MS + 20000))
	SOAK_UAS_PID=$SIPP_PID
	wait_port udp 127.0.0.20 5060 5 || fail "SIPp UAS um1 did not come up on 127.0.0.20:5060"
	gw1_tls_client 127.0.0.7:15061 127.0.0.7 gw1
	soak_idle
}

# soak_idle : the idle figures SOAK_IDLE_{CONNS,CALLS,PORTS,TXNS} and
# SOAK_RSS0 (KiB), for soak_verdict_idle
soak_idle() {
	local st
	st=$(soak_status) || fail "umsbcctl status failed"
	SOAK_IDLE_CONNS=$(awk '$1 == "connections" { print $2 }' <<<"$st")
	SOAK_IDLE_CALLS=$(awk '$1 == "calls_active" { print $2 }' <<<"$st")
	SOAK_IDLE_PORTS=$(awk '$1 == "media_ports_in_use" { print $2 }' <<<"$st")
	SOAK_IDLE_TXNS=$(awk '$1 == "transactions" { print $2 }' <<<"$st")
	SOAK_RSS0=$(soak_rss)
	echo "   idle: connections $SOAK_IDLE_CONNS, calls_active $SOAK_IDLE_CALLS," \
		"media_ports_in_use $SOAK_IDLE_PORTS, transactions $SOAK_IDLE_TXNS, RSS $SOAK_RSS0 KiB"
}

# soak_restart : a fresh umsbcd (same config; the old log kept as
# umsbcd-N.log), and its idle figures
soak_restart() {
	local n=1
	stop_umsbcd
	while [ -e "$TD/umsbcd-$n.log" ]; do n=$((n + 1)); done
	mv "$TD/umsbcd.log" "$TD/umsbcd-$n.log"
	start_umsbcd "$TD"
	wait_port udp 127.0.0.1 5060 5 && wait_port tcp 127.0.0.1 5060 5 && wait_port tcp 127.0.0.1 5061 5 ||
		fail "umsbcd is not listening again after its restart"
	soak_idle
}

# soak_start CPS SECS : the three gateway fronts, each placing CPS/3 calls a
# second (SIPp -r CPS -rp 3000) for SECS s, every call held SOAK_HOLD_MS;
# SIPp exits by itself after its last call (-m). Runs are named
# ${SOAK_PREFIX}udp, ...tcp, ...tls ($TD/NAME.csv, .err, .screen, .out).
SOAK_PREFIX=
soak_start() {
	local cps=$1 secs=$2 per lim tmo common
	per=$(( (cps * secs + 1) / 3 ))
	[ "$per" -ge 1 ] || fail "soak_start: $cps cps for $secs s is less than one call per front"
	lim=$(( cps * (SOAK_HOLD_MS + 2000) / 1000 + 50 ))
	tmo=$(( secs + SOAK_HOLD_MS / 1000 + 90 ))
	SOAK_PER_FRONT=$per
	common=(-s 123 -r "$cps" -rp 3000 -m "$per" -l "$lim" -d "$SOAK_HOLD_MS" -mp 7000
		-recv_timeout 15000 -timeout "${tmo}s" -timeout_error)
	soak_sipp "${SOAK_PREFIX}udp" -sf "$TD/soak_uac.xml" 127.0.0.1:5060 -t u1 -i 127.0.0.8 -p 5060 -mi 127.0.0.8 "${common[@]}"
	SOAK_PID_udp=$SIPP_PID
	soak_sipp "${SOAK_PREFIX}tcp" -sf "$TD/soak_uac.xml" 127.0.0.1:5060 -t t1 -i 127.0.0.18 -p 5060 -mi 127.0.0.18 "${common[@]}"
	SOAK_PID_tcp=$SIPP_PID
	soak_sipp "${SOAK_PREFIX}tls" -sf "$TD/soak_uac_tls.xml" 127.0.0.7:15061 -t t1 -i 127.0.0.7 -p 5070 -mi 127.0.0.7 "${common[@]}"
	SOAK_PID_tls=$SIPP_PID
}

soak_fronts_running() {
	local f p
	for f in $SOAK_FRONTS; do
		p=SOAK_PID_$f
		_running "${!p}" && return 0
	done
	return 1
}

soak_header() {
	printf '%-6s %-17s %-17s %-17s %-13s %9s %5s %5s %5s %5s %5s\n' time "udp att/ok/fail" "tcp att/ok/fail" \
		"tls att/ok/fail" "um1 in/fail" "RSS(KiB)" "CPU%" conns calls ports txns
}

# soak_sample LABEL : one line; appends to SOAK_T (s since the start) and
# SOAK_RSS (KiB)
soak_sample() {
	local label=$1 f a c x cols=() st rss ticks now cpu
	for f in $SOAK_FRONTS; do
		read -r a c x <<<"$(soak_csv "$SOAK_PREFIX$f" 'OutgoingCall(C)' 'SuccessfulCall(C)' 'FailedCall(C)')"
		cols+=("$a/$c/$x")
	done
	read -r a x <<<"$(soak_csv um1 'IncomingCall(C)' 'FailedCall(C)')"
	cols+=("$((a - SOAK_UM_BASE_IN))/$((x - SOAK_UM_BASE_FAILED))")
	st=$(soak_status)
	rss=$(soak_rss); ticks=$(soak_cpu_ticks); now=$(now_ms)
	cpu=$(awk -v t="$ticks" -v t0="$SOAK_TICKS" -v ms=$((now - SOAK_TPREV)) -v hz="$SOAK_HZ" \
		'BEGIN { printf "%.1f", (ms > 0 ? 100 * (t - t0) / hz / (ms / 1000) : 0) }')
	SOAK_TICKS=$ticks SOAK_TPREV=$now
	SOAK_T+=($(( (now - SOAK_T0) / 1000 )))
	SOAK_RSS+=("${rss:-0}")
	printf '%-6s %-17s %-17s %-17s %-13s %9s %5s %5s %5s %5s %5s\n' "$label" "${cols[@]}" "${rss:-?}" "$cpu" \
		"$(awk '$1 == "connections" { print $2 }' <<<"$st")" "$(awk '$1 == "calls_active" { print $2 }' <<<"$st")" \
		"$(awk '$1 == "media_ports_in_use" { print $2 }' <<<"$st")" "$(awk '$1 == "transactions" { print $2 }' <<<"$st")"
}

# soak_run CPS SECS INTERVAL : start the fronts and print a sample every
# INTERVAL s until they have all exited (then one line "end")
soak_run() {
	local cps=$1 secs=$2 iv=$3 k=0 target label
	SOAK_T=() SOAK_RSS=()
	soak_um_base
	SOAK_T0=$(now_ms) SOAK_TPREV=$SOAK_T0 SOAK_TICKS=$(soak_cpu_ticks)
	soak_start "$cps" "$secs"
	soak_header
	while :; do
		k=$((k + 1))
		target=$((SOAK_T0 + k * iv * 1000))
		# pacing the samples, not waiting for readiness
		while [ "$(now_ms)" -lt "$target" ] && soak_fronts_running; do sleep 0.2; done
		soak_fronts_running || break
		assert_alive "during the soak"
		if [ "$iv" -ge 60 ]; then label=$(printf 'm%d' $((k * iv / 60))); else label=$(printf '%d:%02d' $((k * iv / 60)) $((k * iv % 60))); fi
		soak_sample "$label"
	done
	assert_alive "after the last call"
	sleep 1.2   # pacing: one more -trace_stat line of the UM server after its last BYE
	soak_sample end
}

# soak_drain : after the last call, wait (polling) until calls_active,
# media_ports_in_use and connections are back to their idle figures and the
# transactions have left (finished INVITE transactions linger 32 s); sets
# SOAK_DRAIN_{CALLS,PORTS,CONNS,TXNS,SECS} and SOAK_RSS_DRAINED
soak_drain() {
	local i st calls ports conns txns t0
	t0=$(now_ms)
	for ((i = 0; i < 45 * 5; i++)); do
		st=$(soak_status)
		calls=$(awk '$1 == "calls_active" { print $2 }' <<<"$st")
		ports=$(awk '$1 == "media_ports_in_use" { print $2 }' <<<"$st")
		conns=$(awk '$1 == "connections" { print $2 }' <<<"$st")
		txns=$(awk '$1 == "transactions" { print $2 }' <<<"$st")
		[ "$calls" = "$SOAK_IDLE_CALLS" ] && [ "$ports" = "$SOAK_IDLE_PORTS" ] &&
			[ "$conns" = "$SOAK_IDLE_CONNS" ] && [ "$txns" = "$SOAK_IDLE_TXNS" ] && break
		sleep 0.2
	done
	SOAK_DRAIN_CALLS=$calls SOAK_DRAIN_PORTS=$ports SOAK_DRAIN_CONNS=$conns SOAK_DRAIN_TXNS=$txns
	SOAK_DRAIN_SECS=$(( ($(now_ms) - t0) / 1000 ))
	SOAK_RSS_DRAINED=$(soak_rss)
}

# soak_media [MARK] : umsbcd's end-of-call lines (UMS5001) after log line
# MARK: per front the calls ended, how, and how many lacked packets on a leg;
# sets SOAK_MEDIA_CALLS, SOAK_MEDIA_BAD (calls not ended by the gateway's BYE,
# or with a leg's counter at 0), SOAK_MEDIA_PKTS (packets umsbcd took in from
# the gateways, all calls) and prints one line per front
soak_media() {
	local out
	out=$(log_since "${1:-0}" | grep -a 'UMS5001 ' | awk -v g2f="gw2=udp gw2tcp=tcp gw1=tls" '
		BEGIN { n = split(g2f, a, " "); for (i = 1; i <= n; i++) { split(a[i], kv, "="); front[kv[1]] = kv[2] } }
		{ delete v; for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) v[kv[1]] = kv[2]
		  f = (v["gateway"] in front) ? front[v["gateway"]] : v["gateway"]
		  calls[f]++; all++
		  if (v["reason"] != "bye-from-outside") { other[f]++; bad++; reasons[f] = reasons[f] " " v["reason"] }
		  else if (v["outside_pkts_in"] == 0 || v["outside_pkts_out"] == 0 || v["inside_pkts_in"] == 0 || v["inside_pkts_out"] == 0) { nomedia[f]++; bad++ }
		  for (k in v) if (k ~ /_pkts_|^foreign$|^drops$|^srtp_/) sum[f, k] += v[k] }
		END {
		  for (f in calls)
		    printf "   %s: %d calls ended, %d not by the gateway'"'"'s BYE%s, %d without packets on a leg; packets outside in/out %d/%d, inside in/out %d/%d, foreign %d, drops %d\n",
		      f, calls[f], other[f], (other[f] ? " (" substr(reasons[f], 2, 80) ")" : ""), nomedia[f],
		      sum[f, "outside_pkts_in"], sum[f, "outside_pkts_out"], sum[f, "inside_pkts_in"], sum[f, "inside_pkts_out"],
		      sum[f, "foreign"], sum[f, "drops"]
		  for (f in calls) pk += sum[f, "outside_pkts_in"]
		  printf "TOTAL %d %d %d\n", all, bad, pk }')
	SOAK_MEDIA_CALLS=$(awk '$1 == "TOTAL" { print $2 }' <<<"$out")
	SOAK_MEDIA_BAD=$(awk '$1 == "TOTAL" { print $3 }' <<<"$out")
	SOAK_MEDIA_PKTS=$(awk '$1 == "TOTAL" { print $4 }' <<<"$out")
	grep -v '^TOTAL' <<<"$out" | sort
}

# soak_rss_fit FROM_S : RSS over the samples taken at FROM_S s or later (not
# the "end" one), fitted by least squares. Sets SOAK_FIT_SLOPE (KiB/min),
# SOAK_FIT_N, SOAK_FIT_SPAN (s), SOAK_FIT_GROWTH (slope x span, KiB),
# SOAK_FIT_MIN/MAX/FIRST/LAST (KiB), and the same growth once the largest
# rise between two samples is taken out of the series (every later sample
# lowered by it): SOAK_FIT_ADJ (KiB), that rise SOAK_FIT_STEP (KiB) and when
# SOAK_FIT_STEP_AT (s). A sanitizer runtime now and then maps and touches a
# new piece of shadow or allocator space, one step of 200-300 KiB (measured
# under TSan: once in 5 minutes); a leak rises between every two samples, so
# taking one step out leaves most of it.
soak_rss_fit() {
	local from=$1 i pts=()
	for ((i = 0; i < ${#SOAK_T[@]} - 1; i++)); do
		[ "${SOAK_T[$i]}" -ge "$from" ] && pts+=("${SOAK_T[$i]} ${SOAK_RSS[$i]}")
	done
	read -r SOAK_FIT_SLOPE SOAK_FIT_N SOAK_FIT_SPAN SOAK_FIT_GROWTH SOAK_FIT_MIN SOAK_FIT_MAX SOAK_FIT_FIRST SOAK_FIT_LAST \
		SOAK_FIT_ADJ SOAK_FIT_STEP SOAK_FIT_STEP_AT <<<"$(printf '%s\n' "${pts[@]}" | awk '
		function lsq(v,   i, sx, sy, mx, my, sxx, sxy) {
			for (i = 1; i <= n; i++) { sx += x[i]; sy += v[i] }
			mx = sx / n; my = sy / n
			for (i = 1; i <= n; i++) { sxx += (x[i] - mx) ^ 2; sxy += (x[i] - mx) * (v[i] - my) }
			return sxx > 0 ? sxy / sxx : 0 }
		NF == 2 { n++; t[n] = $1; x[n] = $1 / 60; y[n] = $2
		          if (n == 1 || $2 < mn) mn = $2; if (n == 1 || $2 > mx) mx = $2 }
		END { if (n < 2) { print "0 " n " 0 0 0 0 0 0 0 0 0"; exit }
		      s = lsq(y); span = t[n] - t[1]
		      for (i = 2; i <= n; i++) if (y[i] - y[i - 1] > st) { st = y[i] - y[i - 1]; at = i }
		      for (i = 1; i <= n; i++) z[i] = y[i] - (at && i >= at ? st : 0)
		      printf "%.1f %d %d %.0f %d %d %d %d %.0f %d %d\n", s, n, span, s * span / 60, mn, mx, y[1], y[n],
		             lsq(z) * span / 60, st, at ? t[at] : 0 }')"
}

# ---- verdicts: one line each, "VERDICT what: PASS|FAIL figures"; a FAIL is
# recorded with lib.sh's soft_fail, so finish() exits 1 ----
_verdict() {   # _verdict OK(0|1) WHAT FIGURES
	if [ "$1" = 0 ]; then echo "VERDICT $2: PASS $3"; else echo "VERDICT $2: FAIL $3"; soft_fail "$2: $3"; fi
}

# soak_totals : SOAK_PLANNED, SOAK_ATTEMPTED, SOAK_OK, SOAK_FAILED (the three
# fronts' SIPp counters), SOAK_UM_IN, SOAK_UM_FAILED (the UM server's), and a
# per-front text SOAK_PER_FRONT_TXT
soak_totals() {
	local f a c x
	SOAK_PLANNED=$((3 * SOAK_PER_FRONT)) SOAK_ATTEMPTED=0 SOAK_OK=0 SOAK_FAILED=0 SOAK_PER_FRONT_TXT=
	for f in $SOAK_FRONTS; do
		read -r a c x <<<"$(soak_csv "$SOAK_PREFIX$f" 'OutgoingCall(C)' 'SuccessfulCall(C)' 'FailedCall(C)')"
		SOAK_ATTEMPTED=$((SOAK_ATTEMPTED + a)) SOAK_OK=$((SOAK_OK + c)) SOAK_FAILED=$((SOAK_FAILED + x))
		SOAK_PER_FRONT_TXT+="${SOAK_PER_FRONT_TXT:+, }$f $a/$c/$x"
	done
	read -r SOAK_UM_IN SOAK_UM_FAILED <<<"$(soak_csv um1 'IncomingCall(C)' 'FailedCall(C)')"
	SOAK_UM_IN=$((SOAK_UM_IN - SOAK_UM_BASE_IN)) SOAK_UM_FAILED=$((SOAK_UM_FAILED - SOAK_UM_BASE_FAILED))
}

# soak_um_base : the UM server's counters so far (it serves every run), which
# soak_sample and soak_totals subtract
SOAK_UM_BASE_IN=0 SOAK_UM_BASE_FAILED=0
soak_um_base() {
	read -r SOAK_UM_BASE_IN SOAK_UM_BASE_FAILED <<<"$(soak_csv um1 'IncomingCall(C)' 'FailedCall(C)')"
}

# soak_verdict_calls MAX_FAILED_PPM : every planned call placed, and failed
# calls (gateway ends + UM end) at most MAX_FAILED_PPM per million of them
soak_verdict_calls() {
	local ppm=$1 bad=0 allowed
	soak_totals
	allowed=$((SOAK_PLANNED * ppm / 1000000))
	[ "$SOAK_ATTEMPTED" = "$SOAK_PLANNED" ] || bad=1
	[ $((SOAK_FAILED + SOAK_UM_FAILED)) -le "$allowed" ] || bad=1
	_verdict $bad "failed calls" "$SOAK_FAILED of $SOAK_ATTEMPTED placed ($SOAK_PLANNED planned; att/ok/fail $SOAK_PER_FRONT_TXT), $SOAK_UM_FAILED at um1 ($SOAK_UM_IN received); allowed $allowed ($ppm per million)"
}

# soak_verdict_media : umsbcd ended every completed call on the gateway's BYE,
# each with packets in and out on both legs
soak_verdict_media() {
	local bad=0
	[ "${SOAK_MEDIA_CALLS:-0}" -ge "$SOAK_OK" ] && [ "${SOAK_MEDIA_BAD:-1}" -le "$SOAK_FAILED" ] || bad=1
	_verdict $bad "media on every call" "umsbcd ended $SOAK_MEDIA_CALLS calls ($SOAK_OK completed at the gateways), $SOAK_MEDIA_BAD without the gateway's BYE or without RTP on a leg; $SOAK_MEDIA_PKTS RTP packets in from the gateways"
}

# soak_verdict_idle : after the last call, calls, media ports, connections
# and transactions back to their idle figures
soak_verdict_idle() {
	local bad=0
	[ "$SOAK_DRAIN_CALLS" = "$SOAK_IDLE_CALLS" ] && [ "$SOAK_DRAIN_PORTS" = "$SOAK_IDLE_PORTS" ] &&
		[ "$SOAK_DRAIN_CONNS" = "$SOAK_IDLE_CONNS" ] && [ "$SOAK_DRAIN_TXNS" = "$SOAK_IDLE_TXNS" ] || bad=1
	_verdict $bad "back to idle" "calls_active $SOAK_DRAIN_CALLS, media_ports_in_use $SOAK_DRAIN_PORTS, connections $SOAK_DRAIN_CONNS, transactions $SOAK_DRAIN_TXNS (idle: $SOAK_IDLE_CALLS, $SOAK_IDLE_PORTS, $SOAK_IDLE_CONNS, $SOAK_IDLE_TXNS) ${SOAK_DRAIN_SECS} s after the last call"
}

# soak_verdict_rss FROM_S slope|growth LIMIT : RSS after warm-up (samples at
# FROM_S s or later, soak_rss_fit): either its least-squares slope under
# LIMIT KiB/min (soak.sh: an hour, where one step hardly counts), or the growth
# over the samples' span with the largest single step taken out under LIMIT
# KiB (t-soak.sh: 90 s, where one step of a sanitizer runtime would count)
soak_verdict_rss() {
	local from=$1 kind=$2 lim=$3 bad=0 v unit=KiB what
	soak_rss_fit "$from"
	if [ "$kind" = slope ]; then
		v=$SOAK_FIT_SLOPE unit=KiB/min what="least-squares slope"
	else
		v=$SOAK_FIT_ADJ what="least-squares growth without the largest step"
	fi
	[ "$SOAK_FIT_N" -ge 3 ] && awk -v v="$v" -v l="$lim" 'BEGIN { exit !(v < l) }' || bad=1
	_verdict $bad "RSS flat after warm-up" "$what $v $unit (limit $lim $unit). $SOAK_FIT_N samples from ${from} s on, over ${SOAK_FIT_SPAN} s: slope $SOAK_FIT_SLOPE KiB/min = $SOAK_FIT_GROWTH KiB; largest step $SOAK_FIT_STEP KiB (at ${SOAK_FIT_STEP_AT} s), without it $SOAK_FIT_ADJ KiB; RSS $SOAK_FIT_FIRST -> $SOAK_FIT_LAST KiB (min $SOAK_FIT_MIN, max $SOAK_FIT_MAX; idle before $SOAK_RSS0, drained after $SOAK_RSS_DRAINED)"
}
