#!/bin/bash
# t-media-sdes.sh -- SDES keys across a secured dial plan, as the SDP shows them.
#
# (1) gw1 (SIPp behind stunnel: mutual TLS from 127.0.0.7) offers RTP/SAVP
#     with three a=crypto lines: AES_CM_128_HMAC_SHA1_32 (tag 1),
#     AES_256_CM_HMAC_SHA1_80 (tag 2) and a suite nobody knows (tag 3).
#     umsbcd's answer to gw1: RTP/SAVP, exactly one a=crypto, tag 2 (the
#     strongest of ours that gw1 offered), with umsbcd's own key. The UM's
#     INVITE: RTP/AVP, no a=crypto, none of gw1's key material.
# (2) um1 offers plain RTP/AVP to gw1: gw1 gets RTP/SAVP with six a=crypto
#     lines in umsbcd's preference order (tags 1-6, fresh keys); gw1 answers
#     tag 4 (AES_CM_128_HMAC_SHA1_80); the UM's 200 is RTP/AVP without keys;
#     the end-of-call line names the suite.
# (3) gw1 offers an MKI key only: 488.
. "$(dirname "$0")/lib.sh"
need sipp stunnel openssl

write_conf "$TD" 'media = { outside_address = "127.0.0.1"; inside_address = "127.0.0.2"; port_min = 42000; port_max = 42999; };'
start_umsbcd "$TD"
media_io_check
wait_port tcp 127.0.0.1 5061 5 || fail "umsbcd not listening on 5061"

k30=$(openssl rand -base64 30)
k46=$(openssl rand -base64 46 | tr -d '\n')
kgw=$(openssl rand -base64 30)
# with_sdes SRC DST CRYPTO-LINE... : RTP/SAVP and these a=crypto lines in the SDP
with_sdes() {
  local src=$1 dst=$2 l add=''; shift 2
  for l in "$@"; do add="$add\\n      a=crypto:$l"; done
  sed -e 's#m=audio \[media_port\] RTP/AVP 8#m=audio [media_port] RTP/SAVP 8'"$add"'#' "$src" >"$dst"
}
crypto_lines() { grep -aE '^a=crypto:' | tr -d '\r'; }

say "(1) gw1 offers three a=crypto lines; umsbcd answers one; the UM sees none"
gw1_tls_client
tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"
with_sdes "$TD/uac_tls.xml" "$TD/uac_sdes.xml" "1 AES_CM_128_HMAC_SHA1_32 inline:$k30" \
  "2 AES_256_CM_HMAC_SHA1_80 inline:$k46" "3 NO_SUCH_SUITE inline:$k30"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 1
sipp_fg gw-uac 20 -sf "$TD/uac_sdes.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5070 \
  -mi 127.0.0.7 -m 1 -d 200 -timeout 10s -timeout_error || fail "(1) call failed (SIPp exit $?)"
uas_wait um-uas 5
ans=$(sip_received gw-uac.msg '^SIP/2\.0 200' | crypto_lines)
[ "$(printf '%s\n' "$ans" | grep -c .)" = 1 ] || fail "(1) gw1's 200 has $(printf '%s\n' "$ans" | grep -c .) a=crypto lines, expected 1: $ans"
printf '%s\n' "$ans" | grep -qE '^a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:[A-Za-z0-9+/=]{60,}' ||
  fail "(1) gw1's answer is not tag 2 AES_256_CM_HMAC_SHA1_80: $ans"
printf '%s\n' "$ans" | grep -qF "$k46" && fail "(1) umsbcd answered with gw1's own key"
sip_received gw-uac.msg '^SIP/2\.0 200' | grep -q '^m=audio [0-9]* RTP/SAVP 8' || fail "(1) gw1's answer is not RTP/SAVP"
ok "gw1 got one line: ${ans:0:50}..."
inv=$(sip_received um-uas.msg '^INVITE ')
printf '%s\n' "$inv" | grep -q '^m=audio [0-9]* RTP/AVP 8' || fail "(1) the UM's offer is not RTP/AVP: $(printf '%s\n' "$inv" | grep '^m=')"
printf '%s\n' "$inv" | grep -qiE 'crypto|inline:' && fail "(1) key material reached the UM: $(printf '%s\n' "$inv" | grep -iE 'crypto|inline')"
for k in "$k30" "$k46"; do grep -qF "$k" "$TD/um-uas.msg" && fail "(1) a key of gw1 appears in the UM's trace"; done
ok "the UM's INVITE is RTP/AVP without a=crypto and none of gw1's keys"
assert_log 'UMS5001 .*gateway=gw1 mode=secured .*suite=AES_256_CM_HMAC_SHA1_80' "end-of-call line names the suite"
kill -TERM "$STUNNEL_PID"; wait_exit "$STUNNEL_PID" 5 >/dev/null

say "(2) um1 offers RTP/AVP to gw1: six lines in our order; gw1 takes tag 4"
gw1_tls_server 5062
sed -e 's#<sip:um@\[local_ip\]:\[local_port\];transport=\[transport\]>#<sip:gw1@127.0.0.7:5061;transport=tls>#g' \
  "$SCEN/uas.xml" >"$TD/uas_gw1.xml"
with_sdes "$TD/uas_gw1.xml" "$TD/uas_gw1_sdes.xml" "4 AES_CM_128_HMAC_SHA1_80 inline:$kgw"
sed -e 's#sip:\[service\]@\[remote_ip\]:\[remote_port\]#sip:[service]@gw1.example.test#g' \
  "$SCEN/uac.xml" >"$TD/uac_to_gw1.xml"
mark=$(log_mark)
uas_start gw-uas "$TD/uas_gw1_sdes.xml" t1 127.0.0.7 5062 -m 1
sipp_fg um-uac 20 -sf "$TD/uac_to_gw1.xml" -t u1 -s 123 127.0.0.2:5060 -i 127.0.0.20 -p 5060 \
  -mi 127.0.0.20 -m 1 -d 200 -timeout 10s -timeout_error || fail "(2) call failed (SIPp exit $?)"
uas_wait gw-uas 5
offer=$(sip_received gw-uas.msg '^INVITE ' | crypto_lines | sed 's/ inline:.*//' | tr '\n' ',')
want='a=crypto:1 AEAD_AES_256_GCM,a=crypto:2 AEAD_AES_128_GCM,a=crypto:3 AES_256_CM_HMAC_SHA1_80,a=crypto:4 AES_CM_128_HMAC_SHA1_80,a=crypto:5 AES_256_CM_HMAC_SHA1_32,a=crypto:6 AES_CM_128_HMAC_SHA1_32,'
[ "$offer" = "$want" ] || fail "(2) gw1's offer lines: $offer (expected $want)"
sip_received gw-uas.msg '^INVITE ' | grep -q '^m=audio [0-9]* RTP/SAVP 8' || fail "(2) gw1's offer is not RTP/SAVP"
ok "gw1's offer: RTP/SAVP, six a=crypto lines in preference order"
ok200=$(sip_received um-uac.msg '^SIP/2\.0 200')
printf '%s\n' "$ok200" | grep -q '^m=audio [0-9]* RTP/AVP 8' || fail "(2) the UM's answer is not RTP/AVP"
printf '%s\n' "$ok200" | grep -qiE 'crypto|inline:' && fail "(2) key material reached the UM"
ok "the UM's 200 is RTP/AVP without keys"
assert_log 'UMS5001 .*gateway=gw1 mode=secured .*suite=AES_CM_128_HMAC_SHA1_80' "end-of-call line names the suite gw1 chose" "$mark"

say "(3) gw1 offers only a key with an MKI: 488"
kill -TERM "$STUNNEL_PID"; wait_exit "$STUNNEL_PID" 5 >/dev/null
gw1_tls_client
with_sdes "$TD/uac_tls.xml" "$TD/uac_mki.xml" "1 AES_CM_128_HMAC_SHA1_80 inline:$k30|2^20|1:4"
sed -i 's#<recv response="200" rtd="true" rrs="true"/>#<recv response="488"/>#' "$TD/uac_mki.xml"
sed -n '/<recv response="488"\/>/q;p' "$TD/uac_mki.xml" >"$TD/uac_mki2.xml"
printf '  <recv response="488"/>\n  <send><![CDATA[\n\n      ACK sip:[service]@sbc.example.test SIP/2.0\n      [last_Via:]\n      From: "gw" <sip:gw@[local_ip]:[local_port]>;tag=[pid]UAC[call_number]\n      [last_To:]\n      Call-ID: [call_id]\n      CSeq: 1 ACK\n      Max-Forwards: 70\n      Content-Length: 0\n\n    ]]></send>\n</scenario>\n' >>"$TD/uac_mki2.xml"
sipp_fg gw-mki 20 -sf "$TD/uac_mki2.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5070 \
  -mi 127.0.0.7 -m 1 -timeout 10s -timeout_error || fail "(3) no 488 for an MKI-only offer (SIPp exit $?)"
ok "an offer whose only key has an MKI gets 488"

stop_umsbcd
finish
