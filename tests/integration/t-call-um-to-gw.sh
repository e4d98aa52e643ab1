#!/bin/bash
# t-call-um-to-gw.sh -- calls initiated by the UM server towards gateways.
#
# (1) um1 (SIPp UAC 127.0.0.20, UDP) calls sip:123@gw1.example.test via
#     umsbcd 127.0.0.2:5060.  gw1's dial plan is secured, so umsbcd opens
#     mutual TLS to gw1's addresses[0]:port = 127.0.0.7:5061, where a stunnel
#     server (cert gw1.pem, verifyChain = yes: umsbcd MUST present a client
#     certificate from the test CA) forwards to the "gateway", a SIPp UAS on
#     TCP 127.0.0.7:5062.  The UAS's Contact says sip:gw1@127.0.0.7:5061;
#     transport=tls (the gateway's real TLS address).
#     Checks: the call completes (incl. the UM's BYE); the gateway saw
#     umsbcd's TLS Via and double Record-Route; stunnel accepted umsbcd's
#     client certificate (CN sbc.example.test).
# (2) um1 calls sip:123@gw2 (gateway *name*; unsecured -> plain UDP to
#     127.0.0.8:5060).  Checks the call completes and the gateway saw umsbcd's
#     UDP Via 127.0.0.1:5060.
# (3) a gateway at 127.0.0.7:5061 presenting a valid-CA certificate with the
#     wrong name (stranger.example.test): umsbcd must not send the INVITE
#     (the gateway sees nothing) and must log UMS2001.
. "$(dirname "$0")/lib.sh"
need stunnel

say "umsbcd with gw1 (secured, TLS 127.0.0.7:5061), gw2 (unsecured, 127.0.0.8:5060), um1 (udp)"
write_conf "$TD"
start_umsbcd "$TD"
wait_port udp 127.0.0.2 5060 5 || fail "umsbcd not listening on udp 127.0.0.2:5060"
ok "umsbcd ready"

# caller: the UM; Request-URI and To name the gateway
sed -e 's#sip:\[service\]@\[remote_ip\]:\[remote_port\]#sip:[service]@gw1.example.test#g' \
  "$SCEN/uac.xml" >"$TD/uac_to_gw1.xml"
sed -e 's#sip:\[service\]@\[remote_ip\]:\[remote_port\]#sip:[service]@gw2#g' \
  "$SCEN/uac.xml" >"$TD/uac_to_gw2.xml"
# callee: gw1 behind its TLS terminator; its Contact is its TLS address
sed -e 's#<sip:um@\[local_ip\]:\[local_port\];transport=\[transport\]>#<sip:gw1@127.0.0.7:5061;transport=tls>#g' \
  "$SCEN/uas.xml" >"$TD/uas_gw1.xml"

say "(1) um1 -> sip:123@gw1.example.test: umsbcd -> mutual TLS -> 127.0.0.7:5061"
gw1_tls_server 5062 gw1
uas_start gw1-uas "$TD/uas_gw1.xml" t1 127.0.0.7 5062 -m 1 -d 300
sipp_fg um-uac1 25 -sf "$TD/uac_to_gw1.xml" -t u1 -s 123 127.0.0.2:5060 -i 127.0.0.20 -p 5060 \
  -mi 127.0.0.20 -m 1 -d 500 -timeout 20s -timeout_error
rc=$?
[ $rc = 0 ] || fail "UM SIPp UAC exit status $rc (expected 0 = call completed)"
uas_wait gw1-uas 10
ok "call completed on both ends (SIPp exit 0)"
check_proxied gw1-uas.msg '^INVITE ' '^SIP/2\.0/TLS 127\.0\.0\.1(:5061)?([;, ]|$)' \
  '127\.0\.0\.1:5061.*transport=tls' '127\.0\.0\.2:5060' "gw1 received INVITE over TLS"
sip_received gw1-uas.msg '^INVITE ' | head -n 1 | grep -qE '^INVITE sip:123@gw1\.example\.test' ||
  fail "unexpected Request-URI at gw1: $(sip_received gw1-uas.msg '^INVITE ' | head -n 1)"
ok "Request-URI at gw1: $(sip_received gw1-uas.msg '^INVITE ' | head -n 1)"
check_proxied um-uac1.msg '^SIP/2\.0 200' '127\.0\.0\.20:5060' '127\.0\.0\.1:5061' '127\.0\.0\.2:5060' \
  "UM received 200 OK"
check_proxied gw1-uas.msg '^BYE ' '^SIP/2\.0/TLS 127\.0\.0\.1' "" "" "gw1 received the UM's BYE over TLS"
L=$TD/gw1-server-gw1.stunnel.log
grep -qE 'Certificate accepted at depth=0: .*CN=sbc\.example\.test' "$L" ||
  fail "gw1's TLS server did not accept a client certificate sbc.example.test from umsbcd"
ok "gw1 (stunnel, verifyChain=yes) accepted umsbcd's client certificate: $(grep -oE 'Certificate accepted at depth=0: .*' "$L" | head -n 1)"
grep -qE 'accepted connection from 127\.0\.0\.' "$L" || fail "no TLS connection seen at gw1"
kill -TERM "$STUNNEL_PID"; wait_exit "$STUNNEL_PID" 5 >/dev/null

say "(2) um1 -> sip:123@gw2 (gateway name, unsecured): plain UDP to 127.0.0.8:5060"
uas_start gw2-uas "$SCEN/uas.xml" u1 127.0.0.8 5060 -m 1 -d 300
sipp_fg um-uac2 25 -sf "$TD/uac_to_gw2.xml" -t u1 -s 123 127.0.0.2:5060 -i 127.0.0.20 -p 5060 \
  -mi 127.0.0.20 -m 1 -d 300 -timeout 20s -timeout_error
rc=$?
[ $rc = 0 ] || fail "UM SIPp UAC (to gw2) exit status $rc (expected 0)"
uas_wait gw2-uas 10
check_proxied gw2-uas.msg '^INVITE ' '^SIP/2\.0/UDP 127\.0\.0\.1:5060([;, ]|$)' \
  '127\.0\.0\.1:5060' '127\.0\.0\.2:5060' "gw2 received INVITE over UDP"

say "(3) gateway at 127.0.0.7:5061 presents stranger.example.test: umsbcd must not deliver"
gw1_tls_server 5062 stranger
uas_start gw1bad-uas "$TD/uas_gw1.xml" t1 127.0.0.7 5062 -d 300
mark=$(log_mark)
sip_req INVITE sip:124@gw1.example.test 127.0.0.20 5060 UDP badcert-1 \
  "Contact: <sip:um@127.0.0.20:5060>" >"$TD/inv_badcert.txt"
udp_xchg 127.0.0.20 5060 127.0.0.2 5060 "$TD/inv_badcert.txt" 4 >"$TD/inv_badcert.out"
wait_log "$TD/umsbcd.log" 'UMS2001 .*peer=127\.0\.0\.7:5061' 3 "$mark" ||
  fail "no UMS2001 line for the gateway certificate with the wrong name"
ok "umsbcd refused the gateway's certificate: $(log_since "$mark" | grep UMS2001 | tail -n 1 | cut -c1-160)"
[ "$(sip_requests "$TD/gw1bad-uas.msg")" = 0 ] || fail "the INVITE reached the gateway despite its wrong certificate"
ok "the gateway (SIPp UAS behind stunnel) received no request"
st=$(first_status "$TD/inv_badcert.out")
if [ -n "$st" ]; then ok "the UM got a final response: $st"
else echo "   note: the UM got no final response within 4 s (informational)"; fi

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
