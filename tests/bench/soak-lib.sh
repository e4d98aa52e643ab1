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
# failed (SIPp -trace_stat, written every second), umsbcd's VmRSS and CPU
# (/proc), and `umsbcctl status`: connections, calls_active,
# media_ports_in_use, transactions.
#
# Functions: soak_setup, soak_run CPS SECS INTERVAL, soak_drain, soak_media,
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
