#!/bin/bash
# t-faults.sh -- umsbcd under faults of its own resources (issue 12, "Faults").
#
# File descriptors exhausted: umsbcd runs with RLIMIT_NOFILE 48 (soft and
# hard), far below what tls.max_connections (1024) needs.
#  start-up                                        UMS1012 at warning: need, soft and
#                                                  hard limit, and what to do
#  gw2 places calls over one TCP connection        they keep completing (0 failed) while
#  (SIPp -t t1, 2 calls/s) while gw2 opens 80      accept() fails: UMS2012 logged, each new
#  more TCP connections and holds them             connection closed at once (a spare
#                                                  descriptor is given up to accept and
#                                                  close it), umsbcd not spinning
#  the hog connections go away                     a new TCP connection gets a call through
. "$(dirname "$0")/lib.sh"
need python3
HOLD="python3 $IT_DIR/connhold.py"

say "umsbcd with RLIMIT_NOFILE 48 (soft and hard)"
write_conf "$TD"
(ulimit -n 48 && exec "$UMSBCD" -f -c "$TD/umsbc.conf" >"$TD/umsbcd.out" 2>"$TD/umsbcd.log") &
UMSBCD_PID=$!
track "$UMSBCD_PID"
wait_log "$TD/umsbcd.log" 'UMS1005' 10 || fail "umsbcd did not get ready under RLIMIT_NOFILE 48"
assert_log 'warning UMS1012 file descriptors: [0-9]+ needed .*soft limit 48 .*hard limit 48: raise the hard limit' \
  "the shortfall is named at start-up"

say "gw2 calls over one TCP connection while 80 more connections exhaust the descriptors"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
sipp_bg gw2-tcp -sf "$SCEN/uac.xml" -t t1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 -mi 127.0.0.8 \
  -r 2 -m 20 -d 100 -timeout 30s -timeout_error -trace_stat -stf "$TD/gw2-tcp.csv" -fd 1
CALLS=$SIPP_PID
wait_log "$TD/gw2-tcp.msg" '^SIP/2\.0 200' 10 || fail "the first gw2 call over TCP did not get its 200"
mark=$(log_mark)
cpu0=$(awk '{print $14 + $15}' "/proc/$UMSBCD_PID/stat")
$HOLD --target 127.0.0.1:5060 --src 127.0.0.8 --count 80 --hold 5 >"$TD/hog.txt"
cpu1=$(awk '{print $14 + $15}' "/proc/$UMSBCD_PID/stat")
held=$(awk '$1 == "open_at_end" { print $2 }' "$TD/hog.txt")
closed=$(awk '$1 == "closed" { print $2 }' "$TD/hog.txt")
ok "hog: $(tr '\n' ' ' <"$TD/hog.txt")"
[ "${closed:-0}" -gt 0 ] && [ "${held:-0}" -lt 80 ] ||
  fail "the connections beyond the descriptors were not refused (closed $closed, held $held of 80)"
assert_log 'UMS2012 cannot accept on local=127\.0\.0\.1:5060 transport=tcp: Too many open files .*the new connection was closed' \
  "accept() failure logged, the connection closed" "$mark"
ticks=$((cpu1 - cpu0))
[ "$ticks" -lt 300 ] || fail "umsbcd used $ticks ticks of CPU in 5 s of exhausted descriptors (spinning on accept?)"
ok "umsbcd used $((ticks * 10)) ms of CPU in those 5 s"
wait_exit "$CALLS" 30
rc=$?
[ $rc = 0 ] || fail "gw2's calls over its open TCP connection failed while descriptors were exhausted (SIPp exit $rc)"
ok "20 of 20 gw2 calls over the open TCP connection completed"
kill -TERM "$UAS_PID"; wait_exit "$UAS_PID" 5 >/dev/null

say "the descriptors are back: a new TCP connection gets a call through"
uas_start um-uas2 "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 1 -d 100
sipp_fg gw2-after 25 -sf "$SCEN/uac.xml" -t t1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 100 -timeout 20s -timeout_error || fail "no call over a new TCP connection after the hog left"
uas_wait um-uas2 10
ok "a call over a new TCP connection completed"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
