#!/bin/bash
# t-malformed.sh -- bad requests from an admitted gateway (gw2, 127.0.0.8,
# UDP to 127.0.0.1:5060), sent as raw datagrams with socat.
#
#  request                                      expected answer from umsbcd
#  INVITE without Call-ID                       400
#  INVITE with a non-numeric CSeq               400
#  binary/garbage datagram                      no crash (any answer or none)
#  INVITE with Max-Forwards: 0                  483 Too Many Hops
#  INVITE foo:bar SIP/2.0 (unknown URI scheme)  416 Unsupported URI Scheme
#  INVITE with Proxy-Require: foo               420 Bad Extension + Unsupported: foo
#  FOO (unknown method)                         a final answer (e.g. 501/405) or
#                                               forwarded to the UM (reported which)
#  INVITE tel:+4912345 (tel: is a known scheme) forwarded; the call completes
#
# After each one: umsbcd is still running, a normal SIPp call gw2 -> um1
# completes, and the UM (SIPp UAS, -trace_msg) has seen none of the bad
# requests (each carries a unique Call-ID / From tag).
. "$(dirname "$0")/lib.sh"
need socat

write_conf "$TD"
start_umsbcd "$TD"
wait_port udp 127.0.0.1 5060 5 && wait_port udp 127.0.0.2 5060 5 || fail "umsbcd not listening on udp 5060"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
ok "umsbcd ready; UM SIPp UAS on 127.0.0.20:5060"

GOOD=0
still_serves() {   # still_serves CASE
  local rc
  assert_alive "after: $1"
  GOOD=$((GOOD + 1))
  sipp_fg "good$GOOD-uac" 20 -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
    -mi 127.0.0.8 -m 1 -d 100 -timeout 15s -timeout_error
  rc=$?
  [ $rc = 0 ] || fail "after '$1': a normal call failed (SIPp exit status $rc)"
  grep -aE '^(Call-ID|i):.*bad-|tag=t-bad-' "$TD/um-uas.msg" >/dev/null &&
    fail "the UM received one of the bad requests: $(grep -aE 'bad-' "$TD/um-uas.msg" | head -n 2)"
  ok "umsbcd alive, a normal call completed, the UM saw no bad request"
}

CONTACT="Contact: <sip:gw@127.0.0.8:5060>"
# bad N EXPECTED-CODE DESCRIPTION  (request in $TD/badN.txt)
bad() {
  local n=$1 want=$2 what=$3 st
  say "$what -> $want"
  udp_xchg 127.0.0.8 5060 127.0.0.1 5060 "$TD/bad$n.txt" 1.5 >"$TD/bad$n.out"
  st=$(first_status "$TD/bad$n.out")
  if [ "$st" != "$want" ]; then
    soft_fail "$what: expected $want, got '${st:-no final response within 1.5 s}'"
    return 1
  fi
  ok "answer: $(grep -aE '^SIP/2\.0 ' "$TD/bad$n.out" | tail -n 1 | tr -d '\r')"
  # a response without body must still end with the empty line (CRLF CRLF)
  if [ "$(tail -c 4 "$TD/bad$n.out" | od -An -c | tr -d ' ')" != '\r\n\r\n' ]; then
    soft_fail "$what: the $st response does not end with CRLF CRLF (no empty line after the headers)"
  else
    ok "the $st response is correctly terminated by an empty line"
  fi
}

still_serves "start"

sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.8 5060 UDP bad-1 "$CONTACT" | grep -v '^Call-ID' >"$TD/bad1.txt"
bad 1 400 "INVITE without Call-ID"
still_serves "missing Call-ID"

sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.8 5060 UDP bad-2 "$CONTACT" |
  sed 's/^CSeq: 1 INVITE/CSeq: abc INVITE/' >"$TD/bad2.txt"
bad 2 400 "INVITE with CSeq: abc INVITE"
still_serves "bad CSeq"

say "garbage datagram -> no crash, nothing forwarded"
printf 'bad-3 \x01\x02\x03\xff\xfe this is not SIP\r\n:::\r\nVia\r\n\r\n\x00\x00garbage' >"$TD/bad3.txt"
udp_xchg 127.0.0.8 5060 127.0.0.1 5060 "$TD/bad3.txt" 1 >"$TD/bad3.out"
if [ -s "$TD/bad3.out" ]; then ok "answer: $(grep -aE '^SIP/2\.0 ' "$TD/bad3.out" | head -n 1 | tr -d '\r')"
else ok "no answer (dropped)"; fi
still_serves "garbage"

sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.8 5060 UDP bad-4 "$CONTACT" |
  sed 's/^Max-Forwards: 70/Max-Forwards: 0/' >"$TD/bad4.txt"
bad 4 483 "INVITE with Max-Forwards: 0"
still_serves "Max-Forwards 0"

sip_req INVITE foo:bar 127.0.0.8 5060 UDP bad-5 "$CONTACT" >"$TD/bad5.txt"
bad 5 416 "INVITE foo:bar (unknown URI scheme)"
still_serves "foo: URI"

sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.8 5060 UDP bad-6 "$CONTACT" "Proxy-Require: foo" >"$TD/bad6.txt"
bad 6 420 "INVITE with Proxy-Require: foo"
if [ -s "$TD/bad6.out" ]; then
  grep -aqiE '^Unsupported: *foo' "$TD/bad6.out" && ok "420 lists Unsupported: foo" ||
    soft_fail "420 without 'Unsupported: foo'"
fi
still_serves "Proxy-Require"

say "unknown method FOO -> a final answer, or forwarded to the UM"
sip_req FOO sip:123@127.0.0.1:5060 127.0.0.8 5060 UDP foo-7 "$CONTACT" >"$TD/foo7.txt"
udp_xchg 127.0.0.8 5060 127.0.0.1 5060 "$TD/foo7.txt" 1.5 >"$TD/foo7.out"
st=$(first_status "$TD/foo7.out")
if [ -n "$st" ]; then
  ok "umsbcd answered FOO itself: $(grep -aE '^SIP/2\.0 [2-6]' "$TD/foo7.out" | head -n 1 | tr -d '\r')"
elif wait_log "$TD/um-uas.msg" '^FOO sip:' 1; then
  ok "FOO was forwarded to the UM"
else
  soft_fail "FOO: neither answered (within 1.5 s) nor forwarded to the UM"
fi
still_serves "FOO"

say "INVITE tel:+4912345 (tel: URI) from gw2 -> forwarded, call completes"
sed -e 's#INVITE sip:\[service\]@\[remote_ip\]:\[remote_port\] SIP/2.0#INVITE tel:+4912345 SIP/2.0#' \
  "$SCEN/uac.xml" >"$TD/uac_tel.xml"
sipp_fg tel-uac 20 -sf "$TD/uac_tel.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 100 -timeout 15s -timeout_error
rc=$?
TEL=0
if [ $rc != 0 ]; then soft_fail "tel: call failed (SIPp exit status $rc)"
elif ! grep -aq '^INVITE tel:+4912345 SIP/2.0' "$TD/um-uas.msg"; then soft_fail "the UM did not receive INVITE tel:+4912345"
else TEL=1; ok "the UM received INVITE tel:+4912345 and the call completed"; fi

n=$(sip_requests "$TD/um-uas.msg" INVITE)
[ "$n" = $((GOOD + TEL)) ] || fail "the UM received $n INVITEs, expected $((GOOD + TEL)) (the good calls only)"
ok "the UM received exactly the $n good INVITEs"
stop_umsbcd
finish
