#!/bin/bash
# t-policy-rules.sh -- a dial plan's number rules (issue 11), with real peers.
#
# Dial plan "branch" (gw2, unsecured, UDP 127.0.0.8:5060) carries the issue's
# rules: outbound allow in-country E.164 (+1425 NXX XXXX) and 4-digit
# extensions, deny premium (+1900/+1976) and international (+ not followed
# by 1); inbound deny +1900 read from the To header.
#  1. um1 (SIPp UAC 127.0.0.20) calls sip:+14255550100@gw2: gw2 (SIPp UAS)
#     answers, the call completes; so does sip:555-0102;phone-context=+1-425
#     (a local number in a global context: +14255550102).
#  2. International (+44...), premium (+1-900-..., separators removed) and
#     an in-country number no allow rule matches (+1206...) get 403 with a
#     Reason header naming the rule; UMS5010 names dial plan, UM server,
#     number and rule.
#  3. Inbound: gw2 calls with To: <tel:+1-900-555-0100>: 403 (number_from
#     = "to"), nothing reaches the UM server.
#  4. tshark on lo: every allowed number reached gw2, no refused one reached
#     gw2 or the UM server.
#  5. A reload adds a deny rule for the number of a call in progress: the
#     call goes on to its BYE, a new call to that number gets 403.
#  6. umsbcctl status counts the refusals (calls_refused_number).
#  7. Over mutual TLS: dial plan main (gw1, secured, stunnel in front of a
#     SIPp UAS at 127.0.0.7:5061) denies international numbers: um1's call to
#     +44... at gw1 gets 403 and umsbcd opens no TLS connection to gw1 at
#     all; an in-country call goes through it to gw1 and completes.
# Without the policy hook in proxy.c (or with the rules ignored) step 2 fails:
# the refused numbers are forwarded to gw2 and get no 403.
. "$(dirname "$0")/lib.sh"
need socat tshark dumpcap stunnel
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"

RULES='outbound = { allow = ( "^\\+1425[0-9]{7}$", "^[2-9][0-9]{3}$" );
                   deny = ( "^\\+1(900|976)", "^\\+(?!1)" ); };
       inbound = { deny = ( "^\\+1900" ); number_from = "to"; };'
CONF_BRANCH_EXTRA=$RULES
CONF_MAIN_EXTRA='outbound = { deny = ( "^\\+(?!1)" ); };'
write_conf "$TD"
"$UMSBCD" -t -c "$TD/umsbc.conf" >"$TD/check.out" 2>&1 || fail "umsbcd -t refused the rules: $(cat "$TD/check.out")"
start_umsbcd "$TD"
capture_start "udp port 5060"
ok "umsbcd ready; dial plan branch has the issue's rules"

# um_call NAME NUMBER : um1 calls sip:NUMBER@gw2 (SIPp UAC, UDP), gw2 answers
um_call() {
  sed -e 's#sip:\[service\]@\[remote_ip\]:\[remote_port\]#sip:[service]@gw2#g' "$SCEN/uac.xml" >"$TD/uac_gw2.xml"
  uas_start "$1-gw2" "$SCEN/uas.xml" u1 127.0.0.8 5060 -m 1 -d 200
  sipp_fg "$1-um" 20 -sf "$TD/uac_gw2.xml" -t u1 -s "$2" 127.0.0.2:5060 -i 127.0.0.20 -p 5060 \
    -mi 127.0.0.20 -m 1 -d 200 -timeout 15s -timeout_error ||
    fail "$1: the call to $2 did not complete (SIPp UAC exit $?)"
  uas_wait "$1-gw2" 10
  ok "$1: sip:$2@gw2 connected, answered by gw2, ended by BYE"
}

# refused NAME NUMBER RULE-TEXT : um1's INVITE to sip:NUMBER@gw2 gets 403
# whose Reason header carries RULE-TEXT (fixed string)
refused() {
  local mark out
  mark=$(log_mark)
  sip_req INVITE "sip:$2@gw2" 127.0.0.20 5071 UDP "$1" "Contact: <sip:um@127.0.0.20:5071>" >"$TD/$1.req"
  udp_xchg 127.0.0.20 5071 127.0.0.2 5060 "$TD/$1.req" 1 >"$TD/$1.out"
  [ "$(first_status "$TD/$1.out")" = 403 ] || fail "$1: $2 was not refused 403: $(head -c 600 "$TD/$1.out")"
  out=$(grep -ai '^Reason:' "$TD/$1.out" | tr -d '\r')
  printf '%s\n' "$out" | grep -qF -- "$3" || fail "$1: Reason '$out' does not name '$3'"
  ok "$1: $2 refused: 403, $out"
  assert_log "UMS5010 call refused 403: dialplan=branch direction=outbound um=um1 gateway=gw2 number=[^ ]+ rule=" \
    "$1 logged" "$mark"
}

say "1. allowed numbers are connected"
um_call allowed '+14255550100'
um_call context '555-0102;phone-context=+1-425'
sip_received context-gw2.msg '^INVITE ' | head -n 1 | grep -q '^INVITE sip:555-0102;phone-context=+1-425@gw2 ' ||
  fail "gw2 did not get the Request-URI as dialled: $(sip_received context-gw2.msg '^INVITE ' | head -n 1)"

say "2. international, premium and not-allowed numbers are refused"
refused intl '+442079460000' 'text="dial plan branch outbound deny ^\\+(?!1)"'
log_since 0 | grep -qF 'number=+442079460000 rule=deny "^\+(?!1)"' || fail "UMS5010 does not name the number and rule"
refused premium '+1-900-555-0100' 'text="dial plan branch outbound deny ^\\+1(900|976)"'
log_since 0 | grep -q 'number=+19005550100 ' || fail "UMS5010 does not show the normalised number +19005550100"
refused other '+12065550100' 'text="dial plan branch outbound: no allow rule matches"'

say "3. inbound: gw2 calls To: tel:+1-900-555-0100 (number_from = to)"
{
  echo "INVITE sip:123@sbc.example.test SIP/2.0"
  echo "Via: SIP/2.0/UDP 127.0.0.8:5072;branch=z9hG4bK-pol-in"
  echo "Max-Forwards: 70"
  echo "From: <sip:gw2@127.0.0.8>;tag=t-pol-in"
  echo "To: <tel:+1-900-555-0100>"
  echo "Call-ID: pol-in"
  echo "CSeq: 1 INVITE"
  echo "Contact: <sip:gw2@127.0.0.8:5072>"
  echo "Content-Length: 0"
  echo
} | crlf >"$TD/in.req"
mark=$(log_mark)
udp_xchg 127.0.0.8 5072 127.0.0.1 5060 "$TD/in.req" 1 >"$TD/in.out"
[ "$(first_status "$TD/in.out")" = 403 ] || fail "inbound +1900 not refused 403: $(head -c 600 "$TD/in.out")"
grep -aqF 'text="dial plan branch inbound deny ^\\+1900"' "$TD/in.out" || fail "inbound 403 without the rule's Reason"
assert_log 'UMS5010 call refused 403: dialplan=branch direction=inbound um=- gateway=gw2 number=\+19005550100 ' \
  "inbound refusal logged" "$mark"

say "4. the capture: what reached gw2 and the UM server"
capture_stop
n=$(tshark_count 'sip.Method == "INVITE" && ip.dst == 127.0.0.8 && (sip.r-uri contains "+14255550100" || sip.r-uri contains "555-0102")')
[ "$n" -ge 2 ] || fail "capture: $n INVITEs of the allowed numbers reached gw2, expected 2"
n=$(tshark_count 'sip.Method == "INVITE" && ip.dst == 127.0.0.8 && (sip.r-uri contains "+44" || sip.r-uri contains "900" || sip.r-uri contains "+1206")')
[ "$n" = 0 ] || fail "capture: $n INVITEs of refused numbers reached gw2"
n=$(tshark_count 'sip.Method == "INVITE" && ip.dst == 127.0.0.20')
[ "$n" = 0 ] || fail "capture: $n INVITEs reached the UM server"
n=$(tshark_count 'sip.Status-Code == 403 && (ip.dst == 127.0.0.20 || ip.dst == 127.0.0.8)')
[ "$n" = 4 ] || fail "capture: $n 403 responses, expected 4"
ok "capture: allowed numbers reached gw2; no refused INVITE left umsbcd; 4 × 403"

say "5. a reload denies the number of a call in progress"
uas_start held-gw2 "$SCEN/uas.xml" u1 127.0.0.8 5060 -m 1 -d 200
sipp_bg held-um -sf "$TD/uac_gw2.xml" -t u1 -s '+14255550103' 127.0.0.2:5060 -i 127.0.0.20 -p 5060 \
  -mi 127.0.0.20 -m 1 -d 3000 -timeout 20s -timeout_error
HELD=$SIPP_PID
wait_log "$TD/held-gw2.msg" '^ACK ' 5 || fail "the held call was not established"
CONF_BRANCH_EXTRA='outbound = { allow = ( "^\\+1425[0-9]{7}$", "^[2-9][0-9]{3}$" );
                   deny = ( "^\\+14255550103$", "^\\+1(900|976)", "^\\+(?!1)" ); };
       inbound = { deny = ( "^\\+1900" ); number_from = "to"; };'
write_conf "$TD"
mark=$(log_mark)
kill -HUP "$UMSBCD_PID"
assert_log 'UMS1010' "reload done" "$mark"
refused after-reload '+14255550103' 'text="dial plan branch outbound deny ^\\+14255550103$"'
wait_exit "$HELD" 15 || fail "the call in progress did not complete after the reload (SIPp exit $?)"
uas_wait held-gw2 10
ok "the call in progress went on to its BYE"

say "6. umsbcctl status"
"$UMSBCCTL" -c "$TD/umsbc.conf" status >"$TD/status.out" || fail "umsbcctl status failed"
grep -qx 'calls_refused_number 5' "$TD/status.out" || fail "status: $(grep calls_ "$TD/status.out")"
grep -qx 'calls_counted 0' "$TD/status.out" || fail "status: $(grep calls_counted "$TD/status.out")"
ok "status: calls_refused_number 5, calls_counted 0"

say "7. over mutual TLS: gw1's dial plan main denies international numbers"
gw1_tls_server 5062 gw1
mark=$(log_mark)
sip_req INVITE 'sip:+33142685300@gw1.example.test' 127.0.0.20 5076 UDP tls-intl \
  "Contact: <sip:um@127.0.0.20:5076>" >"$TD/tls-intl.req"
udp_xchg 127.0.0.20 5076 127.0.0.2 5060 "$TD/tls-intl.req" 1 >"$TD/tls-intl.out"
[ "$(first_status "$TD/tls-intl.out")" = 403 ] || fail "+33 via gw1 not refused 403: $(head -c 400 "$TD/tls-intl.out")"
grep -aqF 'text="dial plan main outbound deny ^\\+(?!1)"' "$TD/tls-intl.out" || fail "403 without main's rule"
assert_log 'UMS5010 .*dialplan=main direction=outbound um=um1 gateway=gw1 number=\+33142685300 ' "refusal logged" "$mark"
grep -q 'accepted connection' "$TD/gw1-server-gw1.stunnel.log" && fail "umsbcd connected to gw1 for a refused call"
ok "gw1 (stunnel) saw no connection for the refused call"
sed -e 's#sip:\[service\]@\[remote_ip\]:\[remote_port\]#sip:[service]@gw1.example.test#g' "$SCEN/uac.xml" >"$TD/uac_gw1.xml"
sed -e 's#<sip:um@\[local_ip\]:\[local_port\];transport=\[transport\]>#<sip:gw1@127.0.0.7:5061;transport=tls>#g' \
  "$SCEN/uas.xml" >"$TD/uas_gw1.xml"
uas_start gw1-uas "$TD/uas_gw1.xml" t1 127.0.0.7 5062 -m 1 -d 200
sipp_fg tls-um 25 -sf "$TD/uac_gw1.xml" -t u1 -s '+14255550100' 127.0.0.2:5060 -i 127.0.0.20 -p 5060 \
  -mi 127.0.0.20 -m 1 -d 200 -timeout 20s -timeout_error || fail "the in-country call via gw1 did not complete"
uas_wait gw1-uas 10
grep -qE 'Certificate accepted at depth=0: .*CN=sbc\.example\.test' "$TD/gw1-server-gw1.stunnel.log" ||
  fail "gw1 did not accept umsbcd's client certificate"
ok "in-country call via gw1 over mutual TLS connected (umsbcd's client certificate accepted)"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
