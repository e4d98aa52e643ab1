#!/bin/bash
# t-um-health.sh -- UM servers probed with OPTIONS; a dead one is skipped at
# once and comes back when it answers (issue 10 "UM server health", issue 12
# item 11 and "a UM server killed and restarted under load").
#
#   gw2 (SIPp UAC, 127.0.0.8, UDP, 10 calls/s) -> umsbcd -> um1 127.0.0.20 / um2 127.0.0.21
#   um_servers: probe_interval = 1, probe_failures = 2; sip.failover_timeout = 2
#
#  step                                           expected
#  both UM servers answer probes (SIPp -aa)       umsbcctl status (and --json): both up,
#                                                 a probe round trip; calls spread over both
#  OPTIONS to umsbcd (sip:127.0.0.1:5060 from     200 with Allow and Accept from umsbcd, not
#  gw2, sip:sbc.example.test from gw1 over TLS)   forwarded; a stranger gets nothing; with a
#                                                 user part (sip:123@) it is forwarded
#  um1 killed under load; in its place a UDP      UMS3004 "um1 ... down" once, within 2 s;
#  sink that records what reaches 127.0.0.20      no INVITE of a new call reaches um1's
#  and answers nothing                            address after it (only probes and the
#                                                 retransmissions of INVITEs sent before);
#                                                 every call completes (failed over to um2)
#  um1 restarted (SIPp)                           UMS3005 "um1 ... up again" within 2 s,
#                                                 new calls reach um1 again; one UMS3004 and
#                                                 one UMS3005 in all: no flapping
#  both UM servers stopped                        both down (status); a new call is
#                                                 answered 503 with Retry-After within 1 s
#                                                 (not after failover time-outs)
. "$(dirname "$0")/lib.sh"
need python3
IT_LIMIT=${IT_LIMIT:-120}

CONF_UM_SERVERS='{ name = "um1"; uri = "sip:127.0.0.20:5060;transport=udp"; probe_interval = 1; probe_failures = 2; },
               { name = "um2"; uri = "sip:127.0.0.21:5060;transport=udp"; probe_interval = 1; probe_failures = 2; }'
CONF_DIALPLAN_UMS='"um1", "um2"'
write_conf "$TD" 'sip = { failover_timeout = 2; };'
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"
um_line() { "$UMSBCCTL" -c "$TD/umsbc.conf" status | grep -E "^um $1 "; }

uas_start um1 "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
UM1=$UAS_PID
uas_start um2 "$SCEN/uas.xml" u1 127.0.0.21 5060 -d 100
UM2=$UAS_PID
start_umsbcd "$TD"
wait_port udp 127.0.0.1 5060 5 || fail "umsbcd not listening on udp 5060"

say "both UM servers answer probes"
for i in $(seq 60); do
  um_line um1 | grep -q 'rtt_ms=[0-9]' && um_line um2 | grep -q 'rtt_ms=[0-9]' && break
  sleep 0.05
done
um_line um1 | grep -qE '^um um1 up .*probe_status=200 rtt_ms=[0-9]+' || fail "status for um1: $(um_line um1)"
um_line um2 | grep -qE '^um um2 up .*probe_status=200 rtt_ms=[0-9]+' || fail "status for um2: $(um_line um2)"
ok "$(um_line um1)"
ok "$(um_line um2)"
"$UMSBCCTL" -c "$TD/umsbc.conf" --json status >"$TD/status.json" || fail "umsbcctl --json status failed"
python3 - "$TD/status.json" <<'EOF' || fail "umsbcctl --json status: $(cat "$TD/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
um = {u["name"]: u for u in d["um_servers"]}
assert um["um1"]["state"] == "up" and um["um2"]["state"] == "up", um
assert int(um["um1"]["rtt_ms"]) >= 0 and um["um1"]["probe"] == "1s", um
assert [p["name"] for p in d["dialplans"]] == ["main", "branch"], d["dialplans"]
EOF
ok "umsbcctl --json status: um_servers parsed by Python's json, both up"

say "OPTIONS to umsbcd itself is answered locally, never forwarded"
sip_req OPTIONS sip:127.0.0.1:5060 127.0.0.8 5060 UDP opt-us >"$TD/o1.txt"
udp_xchg 127.0.0.8 5060 127.0.0.1 5060 "$TD/o1.txt" 1 >"$TD/o1.out"
[ "$(first_status "$TD/o1.out")" = 200 ] || fail "OPTIONS sip:127.0.0.1:5060 from gw2: got '$(first_status "$TD/o1.out")'"
grep -aqiE '^Allow: .*INVITE.*OPTIONS' "$TD/o1.out" && grep -aqi '^Accept: application/sdp' "$TD/o1.out" ||
  fail "the 200 lacks Allow or Accept: $(tr -d '\r' <"$TD/o1.out" | head -n 12)"
sip_req OPTIONS sip:sbc.example.test 127.0.0.7 5061 TLS opt-us-tls >"$TD/o2.txt"
tls_xchg 127.0.0.7 "$TD/o2.txt" "$TD/o2.out" gw1
[ "$(first_status "$TD/o2.out")" = 200 ] || fail "OPTIONS sip:sbc.example.test from gw1 over TLS: got '$(first_status "$TD/o2.out")'"
sip_req OPTIONS sip:127.0.0.1:5060 127.0.0.99 5060 UDP opt-stranger >"$TD/o3.txt"
udp_xchg 127.0.0.99 5060 127.0.0.1 5060 "$TD/o3.txt" 1 >"$TD/o3.out"
[ -s "$TD/o3.out" ] && fail "a stranger's OPTIONS got an answer: $(head -n 1 "$TD/o3.out")"
grep -aqE 'opt-us|opt-stranger' "$TD/um1.msg" "$TD/um2.msg" && fail "an OPTIONS to umsbcd reached a UM server"
sip_req OPTIONS sip:123@127.0.0.1:5060 127.0.0.8 5060 UDP opt-user >"$TD/o4.txt"
udp_xchg 127.0.0.8 5060 127.0.0.1 5060 "$TD/o4.txt" 1 >"$TD/o4.out"
grep -aqE 'opt-user' "$TD/um1.msg" "$TD/um2.msg" || fail "OPTIONS sip:123@... (a user part: not for us) was not forwarded to a UM server"
ok "gw2 (UDP) and gw1 (TLS) get 200 with Allow and Accept from umsbcd, a stranger nothing, no UM saw them; sip:123@ is forwarded"

say "10 calls/s from gw2; um1 killed and replaced by a silent sink"
sipp_bg gw2 -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 -mi 127.0.0.8 \
  -r 10 -m 150 -d 100 -timeout 40s -timeout_error -trace_stat -stf "$TD/gw2.csv" -fd 1
CALLS=$SIPP_PID
wait_log "$TD/um1.msg" '^INVITE ' 10 || fail "um1 got no INVITE before it was killed"
wait_log "$TD/um2.msg" '^INVITE ' 10 || fail "um2 got no INVITE: calls are not spread"
ok "calls reach both UM servers"
mark=$(log_mark)
kill -KILL "$UM1"; wait_exit "$UM1" 5 >/dev/null
python3 - "$TD/sink.txt" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.20", 5060))
f = open(sys.argv[1], "w", buffering=1)
while True:
    d = s.recv(65535).decode("latin-1")
    first = d.split("\r\n", 1)[0]
    cid = [l.split(":", 1)[1].strip() for l in d.split("\r\n") if l.lower().startswith(("call-id:", "i:"))]
    f.write("%d %s %s\n" % (time.time() * 1000, first.split(" ")[0], cid[0] if cid else "-"))
EOF
SINK=$!
track $SINK
t_kill=$(now_ms)
wait_log "$TD/umsbcd.log" 'UMS3004 UM server um1 .*down' 4 "$mark" || fail "um1 not marked down within 4 s"
t_down=$(now_ms)
ok "um1 marked down $((t_down - t_kill)) ms after it died: $(log_since "$mark" | grep UMS3004 | cut -c1-150)"
[ $((t_down - t_kill)) -le 2500 ] || fail "um1 took $((t_down - t_kill)) ms to be marked down (probes every 1 s, 2 failures)"
# Keep the sink for 3 s of calls: no new call may be sent to it.
wait_log "$TD/umsbcd.log" 'UMS3005' 3 "$mark" && fail "um1 came back up while dead: $(log_since "$mark" | grep UMS3005)"
awk -v t="$t_down" '$1 < t && $2 == "INVITE" { print $3 }' "$TD/sink.txt" | sort -u >"$TD/before.txt"
awk -v t="$((t_down + 100))" '$1 >= t && $2 == "INVITE" { print $3 }' "$TD/sink.txt" | sort -u >"$TD/after.txt"
new=$(comm -13 "$TD/before.txt" "$TD/after.txt" | wc -l)
[ "$new" = 0 ] || fail "$new new call(s) sent to um1 after it was marked down: $(comm -13 "$TD/before.txt" "$TD/after.txt" | head -3)"
probes=$(awk -v t="$t_down" '$1 >= t && $2 == "OPTIONS"' "$TD/sink.txt" | wc -l)
[ "$probes" -ge 2 ] || fail "um1 got $probes probes while down (expected one a second)"
ok "while down: no new call reached um1's address, $probes probes did ($(wc -l <"$TD/before.txt") calls had been sent to it before)"

say "um1 restarted"
kill -TERM $SINK; wait_exit $SINK 5 >/dev/null
t_up0=$(now_ms)
uas_start um1b "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
wait_log "$TD/umsbcd.log" 'UMS3005 UM server um1 .*up again' 3 "$mark" || fail "um1 not up again within 3 s of its restart"
ok "um1 up again $(($(now_ms) - t_up0)) ms after its restart: $(log_since "$mark" | grep UMS3005 | cut -c1-150)"
wait_log "$TD/um1b.msg" '^INVITE ' 5 || fail "no new call reached um1 after it came back"
ok "new calls reach um1 again"
wait_exit "$CALLS" 40
rc=$?
[ $rc = 0 ] || fail "gw2's calls: SIPp exit $rc (some calls failed: $(tail -n 1 "$TD/gw2.csv" | cut -d';' -f1-20))"
ok "150 of 150 calls completed through the outage"
downs=$(log_since "$mark" | grep -c 'UMS3004 UM server um1')
ups=$(log_since "$mark" | grep -c 'UMS3005 UM server um1')
[ "$downs" = 1 ] && [ "$ups" = 1 ] || fail "um1's state flapped: $downs UMS3004 and $ups UMS3005 lines"
ok "one UMS3004 and one UMS3005 for um1: no flapping"

say "both UM servers stopped -> 503 with Retry-After at once"
kill -TERM "$UAS_PID" "$UM2"; wait_exit "$UAS_PID" 5 >/dev/null; wait_exit "$UM2" 5 >/dev/null
for i in $(seq 100); do
  um_line um1 | grep -q '^um um1 down ' && um_line um2 | grep -q '^um um2 down ' && break
  sleep 0.05
done
um_line um1 | grep -q '^um um1 down ' && um_line um2 | grep -q '^um um2 down ' ||
  fail "both UM servers stopped, status says: $(um_line um1) / $(um_line um2)"
ok "$(um_line um2)"
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.8 5060 UDP all-down >"$TD/r.txt"
t0=$(now_ms)
udp_xchg 127.0.0.8 5060 127.0.0.1 5060 "$TD/r.txt" 1 >"$TD/r.out"
st=$(first_status "$TD/r.out")
[ "$st" = 503 ] || fail "every UM server down: expected 503, got '${st:-nothing}'"
grep -aqi '^Retry-After: [0-9]' "$TD/r.out" || fail "the 503 has no Retry-After"
ok "answered: $(grep -aE '^SIP/2\.0 503' "$TD/r.out" | tr -d '\r'), $(grep -ai '^Retry-After' "$TD/r.out" | tr -d '\r')"

stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
