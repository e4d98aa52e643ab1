#!/bin/bash
# soak.sh [MINUTES] [CPS] -- an hour (default MINUTES 60) of calls through a
# release build of umsbcd at half the highest clean call rate, over three
# gateway fronts at once (gw2 over UDP, gw2tcp over TCP, gw1 over mutual TLS
# through stunnel), RTP on every call both ways through umsbcd's relay, the
# UM server a SIPp UAS. The machinery (topology, scenarios, samples,
# verdicts) is tests/bench/soak-lib.sh, shared with tests/integration/t-soak.sh.
#
# CPS: calls per second over the three fronts together (a third each). When
# it is not given, soak.sh first finds the highest clean rate of this very
# mix (a ramp: RAMP_RATES, default "30 60 120 240 480 960", RAMP_SECONDS each,
# default 20; a step is clean when under 0.1 % of its calls fail, umsbcd ends
# every completed call on its BYE with RTP on both legs, the relay took in at
# least 90 % of the RTP packets SIPp was to send, and SIPp kept the rate),
# restarts umsbcd so that the ramp's peak leaves no slack in its heap, and
# soaks at half of that rate. `soak.sh 0` runs the ramp only.
# (tests/bench/signaling.sh gives the ceiling of signaling alone, 3200 cps on
# the CI machine kind; with SIPp playing RTP on every call on the same cores
# the ceiling of this mix is far lower: measure it here.)
#
# Every minute one line: minute; per front calls attempted/completed/failed
# (SIPp -trace_stat); um1's calls received/failed; umsbcd's VmRSS and CPU
# (% of one core over the minute); and from `umsbcctl status` connections,
# calls_active, media_ports_in_use, transactions.
#
# Verdicts at the end (exit 1 when one fails):
#   failed calls     at most FAIL_PPM per million (default 100 = 0.01 %), and
#                    every planned call placed
#   media            umsbcd ended every completed call on the gateway's BYE,
#                    each with RTP in and out on both legs (UMS5001 counters)
#   RSS flat         least-squares slope of VmRSS over the minutes after
#                    warm-up (WARMUP_MINUTES, default min(5, max(2, MINUTES/3)))
#                    under RSS_SLOPE_MAX KiB/min (default 128: one allocator step
#                    of ~450 KiB in a 10-minute run measured 64 KiB/min; at
#                    240 cps a leak of 9 bytes per call is 127 KiB/min)
#   back to idle     calls_active, media_ports_in_use, connections and
#                    transactions back to their idle figures within 45 s of
#                    the last call (finished INVITE transactions linger 32 s)
#   umsbcd           alive throughout; SIGTERM: exit 0, UMS1021, no sanitizer
#                    report
#
# Environment: UMSBCD (default build/rel/proxy/umsbcd: a release build),
# UMSBCCTL (default next to it), SOAK_HOLD_MS (call length after the ACK,
# default 2000), FAIL_PPM, RSS_SLOPE_MAX, WARMUP_MINUTES, RAMP_RATES,
# RAMP_SECONDS, IT_KEEP=1 (keep the work directory).
# shellcheck disable=SC2034 # lib.sh reads it: no watchdog for a benchmark
IT_LIMIT=0
_top=$(cd "$(dirname "$0")/../.." && pwd)
UMSBCD=${UMSBCD:-$_top/build/rel/proxy/umsbcd}
export UMSBCD
. "$_top/tests/integration/lib.sh"
. "$_top/tests/bench/soak-lib.sh"

MINUTES=${1:-60}
CPS=${2:-}
FAIL_PPM=${FAIL_PPM:-100}
RSS_SLOPE_MAX=${RSS_SLOPE_MAX:-128}
RAMP_RATES=${RAMP_RATES:-"30 60 120 240 480 960"}
RAMP_SECONDS=${RAMP_SECONDS:-20}
case $MINUTES in ''|*[!0-9]*) fail "usage: soak.sh [MINUTES] [CPS]" ;; esac
case $CPS in *[!0-9]*) fail "usage: soak.sh [MINUTES] [CPS]" ;; esac
WARMUP_MINUTES=${WARMUP_MINUTES:-$(( MINUTES / 3 > 5 ? 5 : (MINUTES / 3 < 2 ? 2 : MINUTES / 3) ))}

host_busy() {   # share of the machine's cores busy over 2 s, in %
	local a b
	a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
	sleep 2
	b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
	echo "$a $b" | awk -v n="$(nproc)" '{ printf "%.0f %% of %d cores", 100 * n * ($3 - $1) / ($4 - $2), n }'
}

echo "soak.sh: umsbcd $UMSBCD ($(file -b "$UMSBCD" | cut -d, -f1)); $(nproc) cores" \
	"($(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)); $(date -u '+%F %H:%M UTC')"
echo "  machine before the run: $(host_busy) busy, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "set-up: umsbcd with a media group, um1 (SIPp UAS), gw1's stunnel"
soak_setup
echo "  calls: INVITE/180/200/ACK, RTP (PCMA, 50 packets/s each way) for $SOAK_HOLD_MS ms, BYE/200"

# ---- the ramp: the highest clean rate of this mix ----
ramp() {
	local r secs mark t0 el ticks0 cpu exp avg clean best=0
	secs=$RAMP_SECONDS
	say "ramp: the highest clean call rate of this mix (${secs} s per step)"
	printf '%6s %7s %8s %7s %7s %9s %10s %6s %6s  %s\n' cps placed ok failed um1fail "no-media" "pkts/call" "CPU%" secs clean
	for r in $RAMP_RATES; do
		SOAK_PREFIX="r$r-"
		mark=$(log_mark)
		soak_um_base
		ticks0=$(soak_cpu_ticks); t0=$(now_ms)
		soak_start "$r" "$secs"
		while soak_fronts_running; do
			[ $(( $(now_ms) - t0 )) -gt $(( (secs * 3 + SOAK_HOLD_MS / 1000 + 120) * 1000 )) ] && break
			sleep 0.5
		done
		el=$(( $(now_ms) - t0 ))
		cpu=$(awk -v t="$(soak_cpu_ticks)" -v t0="$ticks0" -v ms="$el" -v hz="$SOAK_HZ" 'BEGIN { printf "%.0f", 100 * (t - t0) / hz / (ms / 1000) }')
		soak_totals
		soak_media "$mark" >"$TD/ramp-$r.media"
		exp=$((SOAK_HOLD_MS / 20))
		avg=$(( SOAK_MEDIA_CALLS > 0 ? SOAK_MEDIA_PKTS / SOAK_MEDIA_CALLS : 0 ))
		clean=yes
		[ $(( (SOAK_FAILED + SOAK_UM_FAILED) * 1000 )) -le "$SOAK_PLANNED" ] || clean="no (failed calls)"
		[ "$SOAK_ATTEMPTED" = "$SOAK_PLANNED" ] || clean="no (placed $SOAK_ATTEMPTED of $SOAK_PLANNED)"
		[ "${SOAK_MEDIA_BAD:-1}" -le "$SOAK_FAILED" ] || clean="no (calls without RTP on a leg)"
		[ $((avg * 10)) -ge $((exp * 9)) ] || clean="no (RTP: $avg of $exp packets per call)"
		[ "$el" -le $(( (secs + SOAK_HOLD_MS / 1000 + 5) * 1000 )) ] || clean="no (SIPp could not keep the rate)"
		printf '%6d %7d %8d %7d %7d %9d %10d %6s %6d  %s\n' "$r" "$SOAK_ATTEMPTED" "$SOAK_OK" "$SOAK_FAILED" \
			"$SOAK_UM_FAILED" "$SOAK_MEDIA_BAD" "$avg" "$cpu" $((el / 1000)) "$clean"
		soak_fronts_running && { echo "!! SIPp still running after the step's time-out"; break; }
		assert_alive "after the ramp step at $r cps"
		# the step's calls end before the next one starts
		for ((i = 0; i < 150; i++)); do [ "$(soak_stat_val calls_active)" = 0 ] && break; sleep 0.2; done
		[ "$clean" = yes ] || break
		best=$r
	done
	SOAK_PREFIX=
	RAMP_BEST=$best
	echo "RESULT ramp: highest clean rate $best cps (the three fronts together; RTP on every call);" \
		"umsbcd peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$UMSBCD_PID/status")"
}

if [ -z "$CPS" ]; then
	ramp
	[ "$MINUTES" = 0 ] && { stop_umsbcd; finish; }
	[ "$RAMP_BEST" -gt 0 ] || fail "no clean step in the ramp (rates $RAMP_RATES): give CPS on the command line"
	CPS=$((RAMP_BEST / 2))
	say "restart umsbcd: the ramp's peak must not leave slack in its heap for the soak"
	soak_restart
	echo "  soak rate: $CPS cps = half of $RAMP_BEST"
fi
[ "$CPS" -ge 3 ] || fail "CPS $CPS: at least 3 (one call per second per front)"

say "soak: $MINUTES min at $CPS cps ($((CPS * MINUTES * 60 / 3)) calls per front), one line a minute; warm-up $WARMUP_MINUTES min"
soak_run "$CPS" $((MINUTES * 60)) 60
soak_drain
say "after the last call"
echo "  drained in $SOAK_DRAIN_SECS s; RSS $SOAK_RSS_DRAINED KiB (highest sample $(printf '%s\n' "${SOAK_RSS[@]}" | sort -n | tail -n 1) KiB);" \
	"machine: load average $(cut -d' ' -f1-3 /proc/loadavg)"
soak_media
soak_verdict_calls "$FAIL_PPM"
soak_verdict_media
soak_verdict_rss $((WARMUP_MINUTES * 60)) slope "$RSS_SLOPE_MAX"
echo "  (at $CPS cps, $RSS_SLOPE_MAX KiB/min is $(awk -v l="$RSS_SLOPE_MAX" -v r="$CPS" 'BEGIN { printf "%.1f", l * 1024 / 60 / r }') bytes per call)"
soak_verdict_idle
if _running "$UMSBCD_PID"; then
	stop_umsbcd
	echo "VERDICT umsbcd: PASS alive after $MINUTES min; SIGTERM: exit 0, UMS1021, no sanitizer report"
else
	echo "VERDICT umsbcd: FAIL not running at the end"
	soft_fail "umsbcd died"
fi
finish
