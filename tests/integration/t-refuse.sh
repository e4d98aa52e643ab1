#!/bin/bash
# t-refuse.sh -- admission control: every peer that must be refused is.
#
# A SIPp UAS plays um1 (127.0.0.20) for the whole test with -trace_msg; after
# each case its log must still hold no request at all, and umsbcd.log must
# have a UMS2001 (TLS negotiation failed) or UMS2002 (peer refused) line
# naming the peer's address.  Each case uses its own source address.
#
#  case                                             expected
#  UDP INVITE from unknown 127.0.0.99               dropped: no answer in 2 s; UMS2002
#  TCP INVITE from unknown 127.0.0.98               connection closed, no answer; UMS2002
#  TLS without client certificate (127.0.0.11)      handshake fails; UMS2001
#  TLS, rogue-CA cert CN gw1.example.test (.12)     handshake fails; UMS2001
#  TLS 1.1 with gw1's valid cert from 127.0.0.7     handshake fails; UMS2001
#  TLS, valid cert stranger.example.test (.13)      closed right after the handshake,
#                                                   before any request; UMS2002
#  gw1 (secured) on UDP 5060 from 127.0.0.7         403 Forbidden; UMS2002
#  gw1 (secured) on TCP 5060 from 127.0.0.7         403 Forbidden, then closed at once
#  gw2 (unsecured) valid gw2 cert on 5061 (.8)      403 Forbidden, then closed at once
#  gw1 valid cert from wrong source 127.0.0.9       closed right after the handshake; UMS2002
#  UDP INVITE to the inside 127.0.0.2 from 127.0.0.21 (not a UM server)
#                                                   dropped; UMS2002; gw2 gets nothing
# Positive control at the end: a gw2 call over UDP reaches the UAS (so the
# "no request" checks above are not vacuous).
# Note: umsbcd rate-limits each event's lines to 10 per 10 s (then UMS2003);
# this test logs 8 UMS2002 and 3 UMS2001 lines, so none is suppressed.  Keep
# it that way when adding cases.
. "$(dirname "$0")/lib.sh"
need socat

write_conf "$TD"
start_umsbcd "$TD"
wait_port udp 127.0.0.1 5060 5 && wait_port tcp 127.0.0.1 5060 5 && wait_port tcp 127.0.0.1 5061 5 ||
  fail "umsbcd not listening on 127.0.0.1 udp/tcp 5060, tls 5061"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 300
ok "umsbcd ready; UM SIPp UAS on 127.0.0.20:5060"

uas_clean() {   # uas_clean CASE : the UM has still received no request
  local n
  n=$(sip_requests "$TD/um-uas.msg")
  [ "$n" = 0 ] || fail "$1: the UM received $n request(s): $(grep -aE '^[A-Z]+ sip:' "$TD/um-uas.msg" | head -n 3)"
  ok "$1: the UM received nothing"
}

say "UDP from an unknown address 127.0.0.99 -> silently dropped"
mark=$(log_mark)
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.99 5060 UDP refuse-udp-unknown >"$TD/r1.txt"
udp_xchg 127.0.0.99 5060 127.0.0.1 5060 "$TD/r1.txt" 2 >"$TD/r1.out"
[ -s "$TD/r1.out" ] && fail "unknown UDP source got an answer: $(head -n 1 "$TD/r1.out")"
ok "no answer within 2 s"
assert_log 'UMS2002 .*peer=127\.0\.0\.99:5060 .*transport=udp' "UMS2002 logged" "$mark"
uas_clean "UDP unknown"

say "TCP from an unknown address 127.0.0.98 -> connection closed"
mark=$(log_mark)
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.98 5060 TCP refuse-tcp-unknown >"$TD/r2.txt"
t0=$(now_ms)
# stdin stays open (ignoreeof): socat ends only when umsbcd closes, or after 4 s idle
timeout 8 socat -T 4 "OPEN:$TD/r2.txt,rdonly,ignoreeof!!STDOUT" TCP:127.0.0.1:5060,bind=127.0.0.98 \
  >"$TD/r2.out" 2>"$TD/r2.err"
el=$(($(now_ms) - t0))
grep -aq 'SIP/2.0' "$TD/r2.out" && fail "unknown TCP source got a SIP answer: $(head -n 1 "$TD/r2.out")"
[ $el -lt 3500 ] || fail "unknown TCP source: connection not closed by umsbcd (still open after ${el} ms)"
ok "connection closed by umsbcd after ${el} ms, no SIP answer"
assert_log 'UMS2002 .*peer=127\.0\.0\.98:[0-9]+ .*transport=tcp' "UMS2002 logged" "$mark"
uas_clean "TCP unknown"

# tls_refused CASE SRC CERT|"" [S_CLIENT-ARGS] : the TLS handshake must fail
# (no SIP answer), UMS2001
tls_refused() {
  local c=$1 src=$2 cert=$3 f="$TD/tls-$2"
  shift 3
  say "TLS $c from $src -> handshake refused"
  mark=$(log_mark)
  sip_req OPTIONS sip:127.0.0.1:5061 "$src" 5061 TLS "refuse-tls-$src" >"$f.txt"
  tls_xchg "$src" "$f.txt" "$f.out" "$cert" "$@"
  grep -aqE '^SIP/2\.0 [0-9]{3}' "$f.out" && fail "TLS $c: got a SIP answer: $(grep -aE '^SIP/2\.0' "$f.out" | head -n 1)"
  ok "no SIP answer; client saw: $(grep -aoiE 'alert [a-z ]+|certificate required|unknown ca|bad certificate|handshake failure|Connection reset|errno=[0-9]+' "$f.out.err" | head -n 1)"
  assert_log "UMS2001 .*peer=${src//./\\.}:[0-9]+" "UMS2001 logged" "$mark"
  uas_clean "TLS $c"
}
# closed_within SECS PID WHAT : PID (a client whose stdin stays open far
# longer) ends within SECS, i.e. umsbcd closed the connection
closed_within() {
  local t0 el
  t0=$(now_ms)
  wait_exit "$2" "$1"
  [ $? = 124 ] && fail "$3: the connection was still open after $1 s"
  el=$(($(now_ms) - t0))
  ok "$3: umsbcd closed the connection (client gone after ${el} ms)"
}
# tls_403 CASE SRC CERT : handshake succeeds, the OPTIONS gets 403 and the
# connection is closed right after it (a refused peer holds nothing); UMS2002
tls_403() {
  local c=$1 src=$2 cert=$3 f="$TD/tls-$2" st pid
  say "TLS $c from $src -> 403 Forbidden, then closed"
  mark=$(log_mark)
  sip_req OPTIONS sip:127.0.0.1:5061 "$src" 5061 TLS "refuse-tls-$src" >"$f.txt"
  # stdin from a process substitution, not a pipe: $! is then s_client alone
  openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:5061 \
    -bind "$src:0" -CAfile "$TD/pki/ca.crt" -cert "$TD/pki/$cert.crt" -key "$TD/pki/$cert.key" \
    < <(cat "$f.txt"; sleep 8) >"$f.out" 2>"$f.out.err" &
  pid=$!
  track $pid
  closed_within 4 $pid "TLS $c"
  st=$(first_status "$f.out")
  [ "$st" = 403 ] || fail "TLS $c: expected 403 Forbidden, got '${st:-no final response}'; s_client: $(tail -n 3 "$f.out.err")"
  ok "handshake done, answer: $(grep -aE '^SIP/2\.0 ' "$f.out" | head -n 1 | tr -d '\r')"
  assert_log "UMS2002 .*peer=${src//./\\.}:[0-9]+ .*transport=tls" "UMS2002 logged" "$mark"
  uas_clean "TLS $c"
}
# tls_closed CASE SRC CERT : the handshake succeeds (the certificate chains
# to our CA), but it names no gateway for this source: closed right after the
# handshake although the client sends nothing; UMS2002, not UMS2001
tls_closed() {
  local c=$1 src=$2 cert=$3 f="$TD/tls-$2" pid
  say "TLS $c from $src -> closed right after the handshake"
  mark=$(log_mark)
  openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:5061 \
    -bind "$src:0" -CAfile "$TD/pki/ca.crt" -cert "$TD/pki/$cert.crt" -key "$TD/pki/$cert.key" \
    < <(sleep 8) >"$f.out" 2>"$f.out.err" &
  pid=$!
  track $pid
  closed_within 4 $pid "TLS $c"
  grep -aqE '^SIP/2\.0' "$f.out" && fail "TLS $c: got a SIP answer: $(head -n 1 "$f.out")"
  assert_log "UMS2002 .*peer=${src//./\\.}:[0-9]+ .*transport=tls .*reason=$4" "UMS2002 logged" "$mark"
  log_since "$mark" | grep -q "UMS2001 .*peer=${src//./\\.}:" &&
    fail "TLS $c: logged as a failed handshake (UMS2001); the handshake should have succeeded"
  uas_clean "TLS $c"
}

tls_refused "without a client certificate" 127.0.0.11 ""
tls_refused "with a rogue-CA certificate (CN gw1.example.test)" 127.0.0.12 rogue
tls_refused "1.1 (min_version is 1.2) with gw1's valid certificate" 127.0.0.7 gw1 \
  -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
tls_closed "valid certificate of a non-gateway (stranger.example.test)" 127.0.0.13 stranger \
  "certificate names no listed gateway"

# The contract: "a secured gateway on 5060 ... gets 403 Forbidden" (a known
# gateway, unlike the unknown sources above which are dropped).
say "gw1 (secured dial plan) sending on UDP 5060 from 127.0.0.7 -> 403 Forbidden"
mark=$(log_mark)
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.7 5060 UDP refuse-gw1-udp >"$TD/r6.txt"
udp_xchg 127.0.0.7 5060 127.0.0.1 5060 "$TD/r6.txt" 1.5 >"$TD/r6.out"
st=$(first_status "$TD/r6.out")
[ "$st" = 403 ] || fail "gw1 on UDP 5060: expected 403 Forbidden, got '${st:-no final response}'"
ok "answer: $(grep -aE '^SIP/2\.0 [2-6]' "$TD/r6.out" | head -n 1 | tr -d '\r')"
assert_log 'UMS2002 .*peer=127\.0\.0\.7:5060 .*transport=udp' "UMS2002 logged" "$mark"
uas_clean "gw1 on UDP"

say "gw1 (secured dial plan) on TCP 5060 from 127.0.0.7 -> 403 Forbidden, then closed"
mark=$(log_mark)
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.7 5060 TCP refuse-gw1-tcp >"$TD/r7.txt"
socat -T 8 "OPEN:$TD/r7.txt,rdonly,ignoreeof!!STDOUT" TCP:127.0.0.1:5060,bind=127.0.0.7 \
  >"$TD/r7.out" 2>"$TD/r7.err" &
pid=$!
track $pid
closed_within 4 $pid "gw1 on TCP 5060"
st=$(first_status "$TD/r7.out")
[ "$st" = 403 ] || fail "gw1 on TCP 5060: expected 403 Forbidden, got '${st:-no final response}'"
ok "answer: $(grep -aE '^SIP/2\.0 [2-6]' "$TD/r7.out" | head -n 1 | tr -d '\r')"
assert_log 'UMS2002 .*peer=127\.0\.0\.7:[0-9]+ .*transport=tcp' "UMS2002 logged" "$mark"
uas_clean "gw1 on TCP"

tls_403 "gw2 (unsecured dial plan) with a valid gw2 certificate" 127.0.0.8 gw2
tls_closed "gw1 certificate from a source not in gw1's addresses" 127.0.0.9 gw1 \
  "source address not among"

say "inside: UDP from 127.0.0.21 (not a configured UM server) to 127.0.0.2:5060 -> dropped"
uas_start gw2-uas "$SCEN/uas.xml" u1 127.0.0.8 5060
mark=$(log_mark)
sip_req INVITE sip:123@gw2.example.test 127.0.0.21 5060 UDP refuse-inside-unknown \
  "Contact: <sip:um@127.0.0.21:5060>" >"$TD/r9.txt"
udp_xchg 127.0.0.21 5060 127.0.0.2 5060 "$TD/r9.txt" 2 >"$TD/r9.out"
[ -s "$TD/r9.out" ] && fail "unknown inside source got an answer: $(head -n 1 "$TD/r9.out")"
ok "no answer within 2 s"
assert_log 'UMS2002 .*peer=127\.0\.0\.21:5060 .*local=127\.0\.0\.2:5060' "UMS2002 logged" "$mark"
[ "$(sip_requests "$TD/gw2-uas.msg")" = 0 ] || fail "the INVITE from an unknown inside source reached gw2"
ok "gw2 (SIPp UAS on 127.0.0.8:5060) received nothing"
kill -TERM "$UAS_PID"; wait_exit "$UAS_PID" 5 >/dev/null
uas_clean "inside unknown"

say "positive control: gw2 over UDP reaches the UM"
sipp_fg ctl-uac 20 -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 200 -timeout 15s -timeout_error
rc=$?
[ $rc = 0 ] || fail "control call from gw2 failed: SIPp exit status $rc"
[ "$(sip_requests "$TD/um-uas.msg" INVITE)" = 1 ] || fail "control call: the UM log does not show exactly 1 INVITE"
ok "control call completed; the UM's trace shows its INVITE (the empty-trace checks were meaningful)"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
