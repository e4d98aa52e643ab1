#!/bin/bash
# t-call-tls.sh -- a mutual-TLS call from the secured gateway gw1.
#
#   gw1 = SIPp UAC -t t1 (127.0.0.7) --TCP--> stunnel client (accept
#   127.0.0.7:15061, local 127.0.0.7, cert gw1.pem, verifies sbc.example.test)
#   ==mutual TLS==> umsbcd 127.0.0.1:5061 --UDP--> um1 (SIPp UAS 127.0.0.20:5060)
#
# SIPp has no TLS (sip-tester 3.6.1); the scenario's Via/Contact are rewritten
# to say TLS, which is what umsbcd really sees on its socket.
# Call 1: gw1 hangs up.  Call 2: the UM hangs up; the BYE must reach gw1 over
# TLS (on gw1's connection, or a new one to gw1's TLS server 127.0.0.7:5061).
# Checks: the calls complete on both ends; umsbcd's Via/Record-Route at the UM
# and at the gateway; stunnel verified umsbcd's certificate; on the wire
# (dumpcap on lo), port 5061 carries a TLS handshake and application data and
# no cleartext SIP at all; with SSLKEYLOGFILE (umsbcd's key log), tshark
# decrypts that capture and finds the calls' INVITEs.
. "$(dirname "$0")/lib.sh"
need stunnel dumpcap tshark

say "umsbcd with gw1 (secured, 127.0.0.7, TLS) and um1 (udp)"
write_conf "$TD"
SSLKEYLOGFILE=$TD/keys.log start_umsbcd "$TD"
wait_port tcp 127.0.0.1 5061 5 || fail "umsbcd not listening on tls 127.0.0.1:5061"
ok "umsbcd ready, TLS listener on 127.0.0.1:5061"

gw1_tls_client
ok "stunnel gw1 client: 127.0.0.7:15061 -> TLS from 127.0.0.7 -> 127.0.0.1:5061"
capture_start "tcp port 5061"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 1 -d 300

say "call 1: gw1 -> um1 over mutual TLS, gw1 hangs up"
tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"
sipp_fg gw1-uac 25 -sf "$TD/uac_tls.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5060 \
  -mi 127.0.0.7 -m 1 -d 500 -timeout 20s -timeout_error
rc=$?
[ $rc = 0 ] || fail "gw1 SIPp UAC exit status $rc (expected 0 = call completed)"
uas_wait um-uas 10
ok "call completed on both ends (SIPp exit 0)"

check_proxied um-uas.msg '^INVITE ' '^SIP/2\.0/UDP 127\.0\.0\.2:5060([;, ]|$)' \
  '127\.0\.0\.2:5060' '127\.0\.0\.1:5061.*transport=tls' "UM received INVITE"
sip_received um-uas.msg '^INVITE ' | hdr_values Via | grep -qiE '^SIP/2\.0/TLS 127\.0\.0\.7' ||
  fail "the gateway's TLS Via is missing below umsbcd's"
check_proxied gw1-uac.msg '^SIP/2\.0 200' 'TLS 127\.0\.0\.7' '127\.0\.0\.2:5060' \
  '127\.0\.0\.1:5061.*transport=tls' "gw1 received 200 OK"
check_proxied um-uas.msg '^BYE ' '^SIP/2\.0/UDP 127\.0\.0\.2:5060([;, ]|$)' "" "" \
  "UM received gw1's BYE through umsbcd"

say "call 2: gw1 -> um1 over mutual TLS, the UM hangs up (BYE back to gw1 over TLS)"
# gw1's TLS server side (a stunnel requiring umsbcd's client certificate) on
# its configured address 127.0.0.7:5061, forwarding to the SIPp UAC's own TCP
# listener 127.0.0.7:5060: umsbcd may send the BYE on gw1's connection or
# open a new TLS connection to gw1 -- either way it must arrive over TLS.
gw1_tls_server 5060
uas_start um-uas2 "$SCEN/uas_bye.xml" u1 127.0.0.20 5060 -m 1 -d 500
tls_scen "$SCEN/uac_waitbye.xml" "$TD/uac_waitbye_tls.xml"
sipp_fg gw1-uac2 25 -sf "$TD/uac_waitbye_tls.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5060 \
  -mi 127.0.0.7 -m 1 -timeout 20s -timeout_error
rc=$?
[ $rc = 0 ] || fail "gw1 SIPp UAC (waiting for the UM's BYE) exit status $rc (expected 0)"
uas_wait um-uas2 10
check_proxied gw1-uac2.msg '^BYE ' '^SIP/2\.0/TLS 127\.0\.0\.1(:5061)?([;, ]|$)' "" "" \
  "gw1 received the UM's BYE from umsbcd over TLS"
if grep -qE 'Certificate accepted at depth=0: .*CN=sbc\.example\.test' "$TD/gw1-server-gw1.stunnel.log"; then
  ok "umsbcd opened a new mutual-TLS connection to gw1 (127.0.0.7:5061) for the BYE"
else
  ok "umsbcd sent the BYE on gw1's existing TLS connection"
fi

say "TLS peer verification (stunnel = gw1's TLS stack)"
grep -q 'CERT: Host name "sbc.example.test" matched' "$TD/gw1-client.stunnel.log" ||
  fail "stunnel did not verify umsbcd's certificate name sbc.example.test"
grep -qE 'Certificate accepted at depth=0: .*CN=sbc\.example\.test' "$TD/gw1-client.stunnel.log" ||
  fail "stunnel did not accept umsbcd's certificate"
ok "gw1 verified umsbcd: $(grep -oE 'TLSv1\.[23][^ ]* ciphersuite: [^ ]+' "$TD/gw1-client.stunnel.log" | head -n 1)"

say "a TLS 1.3 key update in the middle of a gateway's connection"
# The records of an established connection are sealed and opened in the core
# thread over memory BIOs: what OpenSSL has to send on its own while reading
# (here its own KeyUpdate, RFC 8446 4.6.3) must still go out, and the
# connection must go on. s_client: a line "K" sends a KeyUpdate that asks
# for the peer's; -msg prints the handshake messages both ways.
sip_req OPTIONS sip:127.0.0.1:5061 127.0.0.7 5061 TLS ku-1 >"$TD/ku1.txt"
sip_req OPTIONS sip:127.0.0.1:5061 127.0.0.7 5061 TLS ku-2 >"$TD/ku2.txt"
{ cat "$TD/ku1.txt"; sleep 1; echo K; sleep 0.5; cat "$TD/ku2.txt"; sleep 1.5; } |
  timeout 8 openssl s_client -quiet -no_ign_eof -msg -tls1_3 -connect 127.0.0.1:5061 \
    -bind 127.0.0.7:0 -servername sbc.example.test -verify_hostname sbc.example.test \
    -verify_return_error -CAfile "$TD/pki/ca.crt" -cert "$TD/pki/gw1.crt" -key "$TD/pki/gw1.key" \
    >"$TD/ku.out" 2>"$TD/ku.err"
grep -aqE '^>>> .*KeyUpdate' "$TD/ku.out" || fail "s_client sent no KeyUpdate: $(tail -n 3 "$TD/ku.err")"
grep -aqE '^<<< .*KeyUpdate' "$TD/ku.out" || fail "umsbcd did not answer the KeyUpdate with its own"
n=$(grep -acE '^SIP/2\.0 200 ' "$TD/ku.out")
[ "$n" = 2 ] || fail "expected 200 to both OPTIONS (before and after the key update), got $n: $(grep -aE '^SIP/2\.0' "$TD/ku.out" | tr -d '\r' | tr '\n' '|')"
grep -aqE '^Call-ID: ku-2' "$TD/ku.out" || fail "no answer to the OPTIONS sent after the key update"
ok "KeyUpdate answered with umsbcd's own; 200 OK to the OPTIONS before and after it"

say "on the wire: port 5061 is TLS only"
sleep 0.3                                   # let dumpcap see the last segments
capture_stop
hs=$(tshark_count 'tcp.port == 5061 && tls.handshake.type == 1')
ad=$(tshark_count 'tcp.port == 5061 && tls.app_data')
cl=$(tshark_count 'tcp.port == 5061 && (frame contains "INVITE" || frame contains "SIP/2.0" || frame contains "Call-ID")')
[ "$hs" -ge 1 ] || fail "no TLS ClientHello seen on port 5061"
[ "$ad" -ge 4 ] || fail "too few TLS application-data records on 5061 ($ad)"
[ "$cl" = 0 ] || fail "$cl frame(s) on port 5061 contain cleartext SIP"
ok "5061: $hs ClientHello, $ad application-data frames, 0 frames with cleartext SIP"

say "SSLKEYLOGFILE: umsbcd's key log decrypts the capture"
grep -q 'UMS2006 .*SSLKEYLOGFILE=' "$TD/umsbcd.log" || fail "no UMS2006 warning for SSLKEYLOGFILE"
[ "$(stat -c %a "$TD/keys.log")" = 600 ] || fail "key log mode $(stat -c %a "$TD/keys.log"), expected 600"
grep -qE '^(CLIENT_TRAFFIC_SECRET_0|CLIENT_RANDOM) [0-9a-f]{64} [0-9a-f]+$' "$TD/keys.log" ||
  fail "no TLS secret in the key log: $(head -c 300 "$TD/keys.log")"
inv=$(tshark_count 'tcp.port == 5061 && sip.Method == "INVITE"' -o "tls.keylog_file:$TD/keys.log")
[ "$inv" -ge 2 ] || fail "tshark decrypted $inv INVITE(s) on 5061 with umsbcd's key log, expected 2"
ok "key log: $(grep -c . "$TD/keys.log") lines (mode 600, UMS2006 logged); tshark decrypts $inv INVITEs on 5061"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
