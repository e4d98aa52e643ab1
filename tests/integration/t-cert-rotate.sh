#!/bin/bash
# t-cert-rotate.sh -- our certificate rotated and the trust store changed
# under load: no established call or connection is dropped (issue 12, Faults).
#
#   gw1: SIPp UAC (10 calls/s, each held 2 s, 200 calls) -> stunnel, one
#        persistent mutual-TLS connection ==> umsbcd 127.0.0.1:5061 -> um1
# While the calls run: a new CA-issued certificate for sbc.example.test is put
# in the store and umsbcd reloaded (UMS1004 names its thumbprint); a second
# CA is added to the trust store and reloaded; it is removed and reloaded.
# Expected: all 200 calls complete; stunnel connected to umsbcd exactly once
# (the connection was never dropped); a new handshake sees the new
# certificate; each reload logged UMS1010.
IT_LIMIT=${IT_LIMIT:-90}
. "$(dirname "$0")/lib.sh"
need stunnel

write_conf "$TD"
start_umsbcd "$TD"
wait_port tcp 127.0.0.1 5061 5 || fail "umsbcd not listening on 5061"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 2000
gw1_tls_client
tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"
thumb() {   # the SHA-1 thumbprint a new handshake to 5061 sees
  openssl s_client -connect 127.0.0.1:5061 -bind 127.0.0.7:0 -cert "$TD/pki/gw1.crt" -key "$TD/pki/gw1.key" \
    -CAfile "$TD/pki/ca.crt" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha1 |
    sed 's/.*=//; s/://g'
}
hup() {   # hup WHAT : SIGHUP, UMS1010 expected
  local m
  m=$(log_mark)
  kill -HUP "$UMSBCD_PID"
  wait_log "$TD/umsbcd.log" 'UMS1010' 5 "$m" || fail "$1: no UMS1010 after SIGHUP: $(log_since "$m" | tail -n 3)"
  ok "$1: reload done"
}
old=$(thumb)
[ -n "$old" ] || fail "no thumbprint from a handshake before the rotation"

say "200 calls from gw1 over one TLS connection; certificate and trust store changed meanwhile"
sipp_bg gw1 -sf "$TD/uac_tls.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5060 -mi 127.0.0.7 \
  -r 10 -m 200 -d 2000 -timeout 60s -timeout_error
CALLS=$SIPP_PID
wait_log "$TD/gw1.msg" '^SIP/2\.0 200' 10 || fail "the first call did not get its 200"
wait_log "$TD/um-uas.msg" '^BYE ' 10 || fail "no call ended before the rotation"

pki_add "$TD/pki" sbc2 sbc.example.test
install -m 600 "$TD/pki/sbc2.pem" "$TD/certs/sbc2.pem"
new=$(openssl x509 -in "$TD/pki/sbc2.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
hup "new certificate in the store"
grep -q "UMS1004 .*sha1=$new" "$TD/umsbcd.log" || fail "UMS1004 does not name the new certificate $new"
[ "$(thumb)" = "$new" ] || fail "a new handshake does not see the new certificate"
ok "new handshakes present $new (was $old)"

cp "$TD/pki/rogue-ca.crt" "$TD/trust/second-ca.crt"
hup "a second CA in the trust store"
rm -f "$TD/trust/second-ca.crt"
hup "the second CA removed again"

wait_exit "$CALLS" 60
rc=$?
[ $rc = 0 ] || fail "gw1's calls: SIPp exit $rc (some failed across the reloads)"
ok "200 of 200 calls completed across three reloads"
n=$(grep -c 'connected remote server from' "$TD/gw1-client.stunnel.log")
[ "$n" = 1 ] || fail "stunnel connected to umsbcd $n times: the connection was dropped and re-made"
ok "one TLS connection from first call to last (stunnel connected once)"

stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
