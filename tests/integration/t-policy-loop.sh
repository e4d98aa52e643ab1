#!/bin/bash
# t-policy-loop.sh -- loop detection (issue 11; RFC 3261 16.3 items 3, 4).
#  1. A real loop: gateway gw3 is (by mistake) configured at 127.0.0.1, our
#     own outside address. um1 calls sip:123@gw3: umsbcd sends the INVITE to
#     itself once, knows it by its own Via and branch (UMS5012) and answers
#     482, which um1 gets; tshark shows the INVITE went round exactly once and
#     no INVITE reached a UM server.
#  2. gw2 sends back a request umsbcd forwarded to it, our Via in it, fields
#     unchanged: 482. The same with a new Request-URI (a spiral) is routed.
#  3. Max-Forwards: 0 gets 483; 1 is forwarded with 0 (RFC 3261 16.6 step 3:
#     the next hop answers).
# Without loop_detected() in proxy.c, step 1's INVITE comes back to um1 as a
# new call from "gw3" instead of a 482, and step 2 is forwarded.
. "$(dirname "$0")/lib.sh"
need socat tshark dumpcap

CONF_EXTRA_GATEWAYS=', { name = "gw3"; fqdn = "gw3.example.test"; addresses = ( "127.0.0.1" ); port = 5060; dialplan = "branch"; }'
write_conf "$TD"
start_umsbcd "$TD"
capture_start "udp port 5060"
ok "umsbcd ready; gw3 points at umsbcd itself (127.0.0.1:5060)"

say "1. um1 calls sip:123@gw3: the INVITE comes back to umsbcd and is answered 482"
mark=$(log_mark)
sip_req INVITE sip:123@gw3 127.0.0.20 5091 UDP loop-1 "Contact: <sip:um@127.0.0.20:5091>" >"$TD/loop.req"
udp_xchg 127.0.0.20 5091 127.0.0.2 5060 "$TD/loop.req" 2 >"$TD/loop.out"
[ "$(first_status "$TD/loop.out")" = 482 ] || fail "um1 got $(first_status "$TD/loop.out"), expected 482: $(head -c 600 "$TD/loop.out")"
ok "um1 got: $(grep -a '^SIP/2.0 482' "$TD/loop.out" | tr -d '\r')"
assert_log 'UMS5012 loop detected: INVITE from peer=127\.0\.0\.1:5060 .* answered 482' "loop logged" "$mark"
capture_stop
n=$(tshark_count 'sip.Method == "INVITE" && ip.src == 127.0.0.1 && ip.dst == 127.0.0.1')
[ "$n" = 1 ] || fail "capture: the INVITE went round $n times, expected once"
n=$(tshark_count 'sip.Method == "INVITE" && ip.src == 127.0.0.2 && ip.dst == 127.0.0.20')
[ "$n" = 0 ] || fail "capture: $n INVITEs reached the UM server"
ok "capture: the INVITE went round once, never reached a UM server"

say "2. gw2 sends back what umsbcd forwarded to it: 482; with a new Request-URI: routed"
uas_start gw2 "$SCEN/uas_busy.xml" u1 127.0.0.8 5060 -m 1
sip_req INVITE 'sip:+14255550100@gw2' 127.0.0.20 5092 UDP loop-2 "Contact: <sip:um@127.0.0.20:5092>" >"$TD/out.req"
udp_xchg 127.0.0.20 5092 127.0.0.2 5060 "$TD/out.req" 1 >"$TD/out.out"
[ "$(first_status "$TD/out.out")" = 486 ] || fail "the call to gw2 was not forwarded (got $(first_status "$TD/out.out"))"
ours=$(sip_received gw2.msg '^INVITE ' | hdr_values 'Via|v' | head -n 1)
printf '%s\n' "$ours" | grep -qE '^SIP/2\.0/UDP 127\.0\.0\.1:5060;branch=z9hG4bK-u[0-9a-f]{28}$' ||
  fail "gw2 saw an unexpected Via of ours: '$ours'"
ok "gw2 got the INVITE with our Via: $ours"
# back: gw2 (as a proxy would) puts its Via on top and sends it to us again
back() {
  {
    echo "INVITE $1 SIP/2.0"
    echo "Via: SIP/2.0/UDP 127.0.0.8:5093;branch=z9hG4bK-gw2-$2"
    echo "Via: $ours"
    echo "Via: SIP/2.0/UDP 127.0.0.20:5092;rport;branch=z9hG4bK-loop-2"
    echo "Max-Forwards: 68"
    echo "From: <sip:test@127.0.0.20>;tag=t-loop-2"
    echo "To: <sip:123@sbc.example.test>"
    echo "Call-ID: loop-2"
    echo "CSeq: 1 INVITE"
    echo "Contact: <sip:um@127.0.0.20:5092>"
    echo "Content-Length: 0"
    echo
  } | crlf >"$TD/back-$2.req"
  udp_xchg 127.0.0.8 5093 127.0.0.1 5060 "$TD/back-$2.req" 1 >"$TD/back-$2.out"
}
mark=$(log_mark)
back 'sip:+14255550100@gw2' same
[ "$(first_status "$TD/back-same.out")" = 482 ] || fail "our own request came back: got $(first_status "$TD/back-same.out"), expected 482"
assert_log 'UMS5012 loop detected: INVITE from peer=127\.0\.0\.8:5093' "loop logged" "$mark"
back 'sip:+14255550199@sbc.example.test' spiral
grep -aq '^SIP/2.0 100 ' "$TD/back-spiral.out" || fail "the spiral was not taken: $(head -c 400 "$TD/back-spiral.out")"
grep -aq '^SIP/2.0 482' "$TD/back-spiral.out" && fail "the spiral (new Request-URI) got 482"
ok "the same request again: 482; with a new Request-URI (a spiral): routed (100 Trying)"

say "3. Max-Forwards"
sip_req OPTIONS sip:123@gw2 127.0.0.20 5094 UDP mf-0 >"$TD/mf0.req"
sed -i 's/^Max-Forwards: 70/Max-Forwards: 0/' "$TD/mf0.req"
udp_xchg 127.0.0.20 5094 127.0.0.2 5060 "$TD/mf0.req" 1 >"$TD/mf0.out"
[ "$(first_status "$TD/mf0.out")" = 483 ] || fail "Max-Forwards: 0 got $(first_status "$TD/mf0.out"), expected 483"
uas_start gw2-mf "$SCEN/uas_busy.xml" u1 127.0.0.8 5060 -m 1
sip_req INVITE sip:123@gw2 127.0.0.20 5095 UDP mf-1 "Contact: <sip:um@127.0.0.20:5095>" >"$TD/mf1.req"
sed -i 's/^Max-Forwards: 70/Max-Forwards: 1/' "$TD/mf1.req"
udp_xchg 127.0.0.20 5095 127.0.0.2 5060 "$TD/mf1.req" 1 >"$TD/mf1.out"
[ "$(first_status "$TD/mf1.out")" = 486 ] || fail "Max-Forwards: 1 got $(first_status "$TD/mf1.out"), expected gw2's 486"
mf=$(sip_received gw2-mf.msg '^INVITE ' | hdr_values 'Max-Forwards')
[ "$mf" = 0 ] || fail "gw2 got Max-Forwards '$mf', expected 0"
ok "Max-Forwards 0: 483; 1: forwarded with 0"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
