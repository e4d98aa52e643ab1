#!/bin/bash
# t-failover.sh -- a dial plan with two UM servers: round robin and failover.
#
#   gw2 (SIPp UAC 127.0.0.8, UDP) -> umsbcd -> um1 127.0.0.20 / um2 127.0.0.21
#
# 1. both UM servers answer: 4 calls are spread over both (round robin).
# 2. um1 answers 503 Service Unavailable: 2 calls still complete (umsbcd
#    retries on um2), um1 got the hop-by-hop ACK, the gateway never sees 503.
#    2b. um1's first ACKs are lost: the 503 it retransmits after umsbcd has
#    failed over (a new branch) is ACKed again (RFC 3261 17.1.1.2).
# 3. um1 does not answer at all (nothing listens): a call still completes via
#    um2 within 15 s, and umsbcd has logged UMS3001 "UM server um1 ...
#    unreachable" (after the 503s or after the timeout).
. "$(dirname "$0")/lib.sh"

CONF_UM_SERVERS='{ name = "um1"; uri = "sip:127.0.0.20:5060;transport=udp"; probe_interval = 0; },
               { name = "um2"; uri = "sip:127.0.0.21:5060;transport=udp"; probe_interval = 0; }'
CONF_DIALPLAN_UMS='"um1", "um2"'
write_conf "$TD"
start_umsbcd "$TD"
wait_port udp 127.0.0.1 5060 5 && wait_port udp 127.0.0.2 5060 5 || fail "umsbcd not listening on udp 5060"
ok "umsbcd ready; dial plans use um1 (127.0.0.20) and um2 (127.0.0.21)"

call() {   # call LABEL [max secs] : one call from gw2, must complete
  local rc t0 el
  t0=$(now_ms)
  sipp_fg "$1" 25 -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
    -mi 127.0.0.8 -m 1 -d 100 -timeout 20s -timeout_error
  rc=$?
  el=$(($(now_ms) - t0))
  [ $rc = 0 ] || fail "$1: call from gw2 failed (SIPp exit status $rc)"
  grep -aq '^SIP/2\.0 503' "$TD/$1.msg" && fail "$1: the gateway received a 503"
  [ $el -le $((${2:-25} * 1000)) ] || fail "$1: the call took $el ms (more than ${2} s)"
  ok "$1: call completed in $el ms"
}

say "1. round robin over um1 and um2"
uas_start um1 "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
UM1=$UAS_PID
uas_start um2 "$SCEN/uas.xml" u1 127.0.0.21 5060 -d 100
for i in 1 2 3 4; do call rr$i; done
n1=$(sip_requests "$TD/um1.msg" INVITE)
n2=$(sip_requests "$TD/um2.msg" INVITE)
[ "$n1" -ge 1 ] && [ "$n2" -ge 1 ] || fail "calls not spread over the UM servers: um1 got $n1, um2 got $n2 INVITEs"
[ $((n1 + n2)) = 4 ] || fail "um1 + um2 received $((n1 + n2)) INVITEs for 4 calls"
ok "4 calls: um1 got $n1, um2 got $n2"

say "2. um1 answers 503: failover to um2"
kill -TERM "$UM1"; wait_exit "$UM1" 5 >/dev/null
uas_start um1-503 "$SCEN/uas_503.xml" u1 127.0.0.20 5060
m2=$(sip_requests "$TD/um2.msg" INVITE)
call fo503-1
call fo503-2
n1=$(sip_requests "$TD/um1-503.msg" INVITE)
n2=$(( $(sip_requests "$TD/um2.msg" INVITE) - m2 ))
[ "$n1" -ge 1 ] || fail "um1 (503) was never tried in 2 round-robin calls"
[ "$n2" = 2 ] || fail "um2 should have answered both calls, got $n2 INVITEs"
[ "$(sip_requests "$TD/um1-503.msg" ACK)" = "$n1" ] || fail "um1 did not get an ACK for each 503"
ok "um1 answered 503 to $n1 INVITE(s) (each ACKed by umsbcd); um2 carried both calls"

say "2b. um1's 503 loses the first ACKs: its retransmission is ACKed again after the failover"
kill -TERM "$UAS_PID"; wait_exit "$UAS_PID" 5 >/dev/null
uas_start um1-503rtx "$SCEN/uas_503_rtx.xml" u1 127.0.0.20 5060 -m 1
m2=$(sip_requests "$TD/um2.msg" INVITE)
call fo503rtx-1
[ "$(sip_requests "$TD/um1-503rtx.msg" INVITE)" = 1 ] || call fo503rtx-2	# round robin gave it um2
uas_wait um1-503rtx 15
ok "um1 got an ACK for a retransmitted 503 after umsbcd had failed over (SIPp exit 0)"

say "3. um1 silent (nothing listening): failover on timeout"
call fonone-1 15
call fonone-2 15
# umsbcd logs UMS3001 when um1 goes out of service (after the 503 above
# already, or on the timeout here)
assert_log 'UMS3001 .*um1' "um1 reported unreachable"

stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
