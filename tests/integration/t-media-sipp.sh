#!/bin/bash
# t-media-sipp.sh -- media anchoring through umsbcd, driven by SIPp and raw RTP.
#
#   gw2 (unsecured, SIPp UAC 127.0.0.8:5060/udp, media 127.0.0.8:7078)
#     -> umsbcd outside 127.0.0.1 (SIP 5060, media 40000-40999)
#     -> umsbcd inside 127.0.0.2 (SIP 5060, media 40000-40999)
#     -> um1 (SIPp UAS 127.0.0.20:5060/udp, media 127.0.0.20:6000)
#
# (1) the SDP each side gets names umsbcd's address and a port of the range;
#     RTP sent by the gateway reaches the UM from umsbcd, RTP injected from a
#     foreign address is not relayed, and the end-of-call line counts both;
# (1b) a gateway behind NAT (SDP c= not its address): its first packet is
#     latched and the return path follows it;
# (2) re-INVITE to hold: the UM's o= version moves, a=sendonly kept, and
#     7 s of silence on hold do not end the call (hold_timeout 60, timeout 5);
# (3) a call whose media never flows is ended after media.timeout: BYE to
#     both sides (both SIPp scenarios complete);
# (4) a secured gateway (gw1, mutual TLS) offering plain RTP/AVP gets 488 and
#     the UM sees nothing;
# (5) a reload to a 4-port range: two held calls take every port, the third
#     gets 503, and once they end a new call gets ports again (nothing leaked).
IT_LIMIT=90
. "$(dirname "$0")/lib.sh"
need sipp socat tshark dumpcap stunnel

media() {  # media PORT_MIN PORT_MAX
  printf 'media = { outside_address = "127.0.0.1"; inside_address = "127.0.0.2"; port_min = %s; port_max = %s; timeout = 5; hold_timeout = 60; };\n' "$1" "$2"
}
status() { "$UMSBCCTL" -c "$TD/umsbc.conf" status; }
stat_val() { status | awk -v k="$1" '$1 == k { print $2 }'; }

say "umsbcd with a media group (ports 40000-40999, timeout 5 s)"
write_conf "$TD" "$(media 40000 40999)"
start_umsbcd "$TD"
media_io_check
wait_port udp 127.0.0.1 5060 5 || fail "umsbcd not listening"

# The gateway's SDP names 127.0.0.8:7078, a port SIPp does not bind, so that
# socat can send its RTP from there.
sed 's/m=audio \[media_port\]/m=audio 7078/' "$SCEN/uac_waitbye.xml" >"$TD/uac_7078.xml"
sed 's/m=audio \[media_port\]/m=audio 7078/' "$SCEN/uac.xml" >"$TD/uac_plain.xml"

say "call 1: SDP anchored on umsbcd; RTP relayed; foreign RTP dropped"
capture_start "udp portrange 40000-40999 or udp port 6000 or udp port 7078"
uas_start c1-uas "$SCEN/uas_bye.xml" u1 127.0.0.20 5060 -m 1 -d 4000 -mp 6000
sipp_bg c1-uac -sf "$TD/uac_7078.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -timeout 20s -timeout_error
UAC_PID=$SIPP_PID
wait_log "$TD/c1-uac.msg" '^SIP/2.0 200' 5 || fail "call 1: no 200 OK at the gateway"
inv=$(sip_received c1-uas.msg '^INVITE ')
ok200=$(sip_received c1-uac.msg '^SIP/2\.0 200')
printf '%s\n' "$inv" | grep -q '^c=IN IP4 127\.0\.0\.2$' ||
  fail "call 1: the UM's INVITE SDP does not name umsbcd's inside address: $(printf '%s\n' "$inv" | grep -E '^[cm]=')"
printf '%s\n' "$ok200" | grep -q '^c=IN IP4 127\.0\.0\.1$' ||
  fail "call 1: the gateway's 200 SDP does not name umsbcd's outside address: $(printf '%s\n' "$ok200" | grep -E '^[cm]=')"
in_port=$(printf '%s\n' "$inv" | sed -n 's/^m=audio \([0-9]*\) RTP\/AVP.*/\1/p')
out_port=$(printf '%s\n' "$ok200" | sed -n 's/^m=audio \([0-9]*\) RTP\/AVP.*/\1/p')
[ -n "$in_port" ] && [ "$in_port" -ge 40000 ] && [ "$in_port" -le 40999 ] &&
  [ -n "$out_port" ] && [ "$out_port" -ge 40000 ] && [ "$out_port" -le 40999 ] ||
  fail "call 1: media ports not from the range: inside '$in_port' outside '$out_port'"
printf '%s\n' "$inv" | grep -q '7078' && fail "call 1: the gateway's own media port reached the UM"
ok "SDP: UM sees 127.0.0.2:$in_port, gateway sees 127.0.0.1:$out_port"

# RTP: version 2, PT 8, then a payload we can recognise on the other side.
rtp() {  # rtp SEQ MARK > file
  printf '\x80\x08\x00%b\x00\x00\x00\xa0\x12\x34\x56\x78%s' "\\x$(printf %02x "$1")" "$2"
}
for i in 1 2 3 4 5; do
  rtp $i "GATEWAY-RTP-$i-$(printf '%0120d' 0)" >"$TD/rtp$i"
  socat -u "OPEN:$TD/rtp$i" "UDP:127.0.0.1:$out_port,bind=127.0.0.8:7078" ||
    fail "socat could not send RTP from 127.0.0.8:7078"
done
rtp 9 "FOREIGN-RTP-$(printf '%0120d' 0)" >"$TD/rtpx"
for i in 1 2 3; do
  socat -u "OPEN:$TD/rtpx" "UDP:127.0.0.1:$out_port,bind=127.0.0.99:7078"
done
wait_exit "$UAC_PID" 15 >/dev/null || fail "call 1: the gateway's scenario did not complete (exit $?)"
uas_wait c1-uas 5
capture_stop
relayed=$(tshark -r "$TD/cap.pcap" -Y "ip.src==127.0.0.2 && udp.srcport==$in_port && ip.dst==127.0.0.20 && udp.dstport==6000 && udp contains \"GATEWAY-RTP\"" -T fields -e frame.number 2>/dev/null | grep -c .)
[ "$relayed" = 5 ] || fail "call 1: $relayed of 5 gateway RTP packets reached the UM from 127.0.0.2:$in_port"
ok "5 RTP packets from the gateway reached the UM, sent by umsbcd 127.0.0.2:$in_port"
leaked=$(tshark -r "$TD/cap.pcap" -Y "ip.dst==127.0.0.20 && udp contains \"FOREIGN-RTP\"" -T fields -e frame.number 2>/dev/null | grep -c .)
[ "$leaked" = 0 ] || fail "call 1: $leaked foreign RTP packets were relayed to the UM"
ok "3 RTP packets from a foreign address (127.0.0.99) were not relayed"
assert_log 'UMS5001 .*call ended: .*mode=unsecured reason=bye-from-inside .*outside_pkts_in=5 .*inside_pkts_out=5 .*foreign=3' \
  "end-of-call line counts 5 relayed and 3 foreign packets"

say "call 1b: a gateway behind NAT (its SDP names 10.9.9.9): umsbcd latches on its first packet"
sed 's/c=IN IP\[media_ip_type\] \[media_ip\]/c=IN IP4 10.9.9.9/' "$TD/uac_7078.xml" >"$TD/uac_nat.xml"
sed 's/m=audio \[media_port\]/m=audio 6078/' "$SCEN/uas_bye.xml" >"$TD/uas_6078.xml"
capture_start "udp portrange 40000-40999 or udp port 6078 or udp port 7078"
uas_start c1b-uas "$TD/uas_6078.xml" u1 127.0.0.20 5060 -m 1 -d 3000
sipp_bg c1b-uac -sf "$TD/uac_nat.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -timeout 20s -timeout_error
UAC_PID=$SIPP_PID
wait_log "$TD/c1b-uac.msg" '^SIP/2.0 200' 5 || fail "call 1b: no 200 OK at the gateway"
in_port=$(sip_received c1b-uas.msg '^INVITE ' | sed -n 's/^m=audio \([0-9]*\) RTP\/AVP.*/\1/p')
out_port=$(sip_received c1b-uac.msg '^SIP/2\.0 200' | sed -n 's/^m=audio \([0-9]*\) RTP\/AVP.*/\1/p')
rtp 1 "NAT-GW-RTP-$(printf '%0120d' 0)" >"$TD/nat_gw"
rtp 1 "NAT-UM-RTP-$(printf '%0120d' 0)" >"$TD/nat_um"
base=$(stat_val media_packets_in)
socat -u "OPEN:$TD/nat_gw" "UDP:127.0.0.1:$out_port,bind=127.0.0.8:7078" || fail "socat (gateway) failed"
for i in $(seq 100); do [ "$(stat_val media_packets_in)" -gt "$base" ] && break; sleep 0.05; done
[ "$(stat_val media_packets_in)" -gt "$base" ] || fail "call 1b: umsbcd did not take the gateway's packet"
socat -u "OPEN:$TD/nat_um" "UDP:127.0.0.2:$in_port,bind=127.0.0.20:6078" || fail "socat (UM) failed"
wait_exit "$UAC_PID" 15 >/dev/null || fail "call 1b: the gateway's scenario did not complete"
uas_wait c1b-uas 5
capture_stop
[ "$(tshark_count "ip.dst==127.0.0.20 && udp.dstport==6078 && udp contains \"NAT-GW-RTP\"")" = 1 ] ||
  fail "call 1b: the gateway's RTP (SDP said 10.9.9.9) did not reach the UM"
[ "$(tshark_count "ip.src==127.0.0.1 && udp.srcport==$out_port && ip.dst==127.0.0.8 && udp.dstport==7078 && udp contains \"NAT-UM-RTP\"")" = 1 ] ||
  fail "call 1b: the UM's RTP did not go back to where the gateway's came from (127.0.0.8:7078)"
ok "NAT: media from 127.0.0.8:7078 accepted although the SDP said 10.9.9.9, and the UM's RTP went back there"

say "call 2: re-INVITE to hold, then 7 s of silence: the UM's o= version moves, a=sendonly kept, hold_timeout (not timeout) applies"
mark=$(log_mark)
uas_start c2-uas "$SCEN/uas_reinvite.xml" u1 127.0.0.20 5060 -m 1
sipp_fg c2-uac 30 -sf "$SCEN/uac_reinvite.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 7000 -timeout 25s -timeout_error || fail "call 2: the held call did not complete (SIPp exit $?)"
uas_wait c2-uas 5
v1=$(sip_received c2-uas.msg '^INVITE ' 1 | sed -n 's/^o=[^ ]* [^ ]* \([0-9]*\) .*/\1/p')
v2=$(sip_received c2-uas.msg '^INVITE ' 2 | sed -n 's/^o=[^ ]* [^ ]* \([0-9]*\) .*/\1/p')
[ -n "$v1" ] && [ -n "$v2" ] && [ "$v2" -gt "$v1" ] || fail "call 2: o= version at the UM went '$v1' -> '$v2'"
sip_received c2-uas.msg '^INVITE ' 2 | grep -q '^a=sendonly' || fail "call 2: a=sendonly lost"
sip_received c2-uas.msg '^INVITE ' 2 | grep -q '^c=IN IP4 127\.0\.0\.2$' || fail "call 2: re-INVITE not anchored"
ok "re-INVITE: o= version $v1 -> $v2, a=sendonly, c=127.0.0.2"
assert_log 'UMS5001 .*call ended: .*reason=bye-from-outside' "call 2 ended by the gateway's BYE" "$mark"

say "call 3: no media at all: umsbcd ends the call after 5 s with BYE both ways"
mark=$(log_mark)
uas_start c3-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 1 -mp 6000
t0=$(now_ms)
sipp_fg c3-uac 25 -sf "$SCEN/uac_waitbye.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -timeout 20s -timeout_error || fail "call 3: the gateway got no BYE (SIPp exit $?)"
uas_wait c3-uas 5
took=$(( $(now_ms) - t0 ))
[ "$took" -ge 4500 ] || fail "call 3: ended after $took ms, before the 5 s media timeout"
sip_received c3-uac.msg '^BYE ' | grep -qE '^Via: SIP/2\.0/UDP 127\.0\.0\.1:5060' ||
  fail "call 3: the gateway's BYE does not come from umsbcd"
sip_received c3-uas.msg '^BYE ' | grep -qiE '^Reason: SIP;cause=408' || fail "call 3: no Reason in the UM's BYE"
ok "both sides got umsbcd's BYE after $took ms"
assert_log 'UMS5002 .*no media' "media timeout logged" "$mark"
assert_log 'UMS5001 .*reason=media-timeout' "end-of-call line says media-timeout" "$mark"

say "call 4: secured gw1 offers plain RTP/AVP: 488, nothing reaches the UM"
mark=$(log_mark)
gw1_tls_client
tls_scen "$SCEN/uac_busy.xml" "$TD/uac_488.xml"
sed -i 's/response="486"/response="488"/' "$TD/uac_488.xml"
uas_start c4-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 1
sipp_fg c4-uac 20 -sf "$TD/uac_488.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5070 \
  -mi 127.0.0.7 -m 1 -timeout 10s -timeout_error || fail "call 4: the gateway did not get 488 (SIPp exit $?)"
[ "$(sip_requests c4-uas.msg)" = 0 ] || fail "call 4: the UM received a request"
kill "$UAS_PID" 2>/dev/null
ok "gw1's RTP/AVP offer answered 488; the UM saw nothing"
assert_log 'UMS5003 .*refused 488' "488 logged" "$mark"

say "call 5: 4 media ports: two held calls take them all, the third gets 503"
mark=$(log_mark)
write_conf "$TD" "$(media 41000 41003)"
"$UMSBCCTL" -c "$TD/umsbc.conf" reload >/dev/null || fail "reload to the 4-port range failed"
uas_start c5-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 3 -mp 6000
sipp_bg c5-held -sf "$TD/uac_plain.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 2 -l 2 -d 3000 -timeout 20s -timeout_error
HELD_PID=$SIPP_PID
for i in $(seq 100); do [ "$(stat_val calls_active)" = 2 ] && break; sleep 0.05; done
[ "$(stat_val calls_active)" = 2 ] || fail "call 5: two calls not up: $(status | grep calls_)"
sed 's/response="486"/response="503"/' "$SCEN/uac_busy.xml" >"$TD/uac_503.xml"
sipp_fg c5-third 20 -sf "$TD/uac_503.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5062 \
  -mi 127.0.0.8 -m 1 -timeout 10s -timeout_error || fail "call 5: the third call did not get 503 (SIPp exit $?)"
ok "third call refused 503 while the range is full"
assert_log 'UMS5004 .*exhausted' "port exhaustion logged" "$mark"
wait_exit "$HELD_PID" 15 >/dev/null || fail "call 5: the two held calls did not complete"
kill "$UAS_PID" 2>/dev/null
[ "$(stat_val calls_active)" = 0 ] || fail "calls still active after every call ended"
uas_start c6-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 2 -mp 6000
sipp_fg c6-uac 20 -sf "$TD/uac_plain.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 2 -l 2 -d 200 -timeout 10s -timeout_error ||
  fail "call 6: two new calls after the full range was freed failed (SIPp exit $?)"
ok "after the calls ended, the range serves two calls again: no port leaked"
[ "$(stat_val calls_refused_503)" = 1 ] || fail "status: calls_refused_503 = $(stat_val calls_refused_503), expected 1"
ok "status: $(status | grep -E '^calls_(active|unsecured|refused)' | tr '\n' ' ')"

say "call 7: a reload that removes gw2 ends its call: BYE to both sides, ports freed"
mark=$(log_mark)
uas_start c7-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 1 -mp 6000
sipp_bg c7-uac -sf "$SCEN/uac_waitbye.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -timeout 20s -timeout_error
C7_PID=$SIPP_PID
for i in $(seq 100); do [ "$(stat_val calls_active)" = 1 ] && break; sleep 0.05; done
[ "$(stat_val calls_active)" = 1 ] || fail "call 7: the call did not come up"
sed -e '/name = "gw2"/d' -e 's/dialplan = "main"; },$/dialplan = "main"; }/' "$TD/umsbc.conf" >"$TD/umsbc.conf.new"
mv "$TD/umsbc.conf.new" "$TD/umsbc.conf"
"$UMSBCCTL" -c "$TD/umsbc.conf" reload >/dev/null || fail "call 7: reload without gw2 failed: $(tail -n 3 "$TD/umsbcd.log")"
wait_exit "$C7_PID" 10 >/dev/null || fail "call 7: the gateway got no BYE after the reload"
uas_wait c7-uas 5
[ "$(stat_val calls_active)" = 0 ] || fail "call 7: call still active after the reload"
ok "both sides got BYE when the reload removed gw2"
assert_log 'UMS5001 .*gateway=gw2 .*reason=gateway-removed' "end-of-call line says gateway-removed" "$mark"

say "call 8: SIGTERM ends a call in progress with BYE to both sides"
write_conf "$TD" "$(media 40000 40999)"
"$UMSBCCTL" -c "$TD/umsbc.conf" reload >/dev/null || fail "reload with gw2 back failed"
mark=$(log_mark)
uas_start c8-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 1 -mp 6000
sipp_bg c8-uac -sf "$SCEN/uac_waitbye.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -timeout 20s -timeout_error
C8_PID=$SIPP_PID
for i in $(seq 100); do [ "$(stat_val calls_active)" = 1 ] && break; sleep 0.05; done
[ "$(stat_val calls_active)" = 1 ] || fail "call 8: the call did not come up"
stop_umsbcd
wait_exit "$C8_PID" 10 >/dev/null || fail "call 8: the gateway got no BYE when umsbcd stopped"
uas_wait c8-uas 5
ok "both sides got BYE when umsbcd stopped"
grep -qE 'UMS5001 .*reason=shutdown' "$TD/umsbcd.log" || fail "call 8: no end-of-call line with reason=shutdown"
finish
