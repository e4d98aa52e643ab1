#!/bin/bash
# t-call-udp.sh -- SIP calls through umsbcd over UDP.
#
#   gw2 (unsecured dial plan, SIPp UAC 127.0.0.8:5060/udp)
#     -> umsbcd outside 127.0.0.1:5060/udp -> umsbcd inside 127.0.0.2:5060/udp
#     -> um1 (legacy UM server, SIPp UAS 127.0.0.20:5060/udp)
#
# Six calls: (1) complete call, (2) 486 Busy Here, (3) CANCEL before the
# answer (487), (4) re-INVITE inside the dialog, (5) the UM hangs up (BYE in
# the reverse direction), (6, UDP only) the INVITE sent again after its 200.  Checks SIPp exit codes on both ends, umsbcd's Via
# and double Record-Route as seen by the UM and by the gateway, Max-Forwards
# decrement, and that in-dialog requests come back through umsbcd.
. "$(dirname "$0")/lib.sh"
TR=${TR:-u1}                       # t-call-tcp.sh runs this file with TR=t1
if [ "$TR" = u1 ]; then P=UDP; p=udp; else P=TCP; p=tcp; fi
VIA_IN="^SIP/2\.0/$P 127\.0\.0\.2:5060([;, ]|$)"     # umsbcd's Via towards the UM
VIA_OUT="^SIP/2\.0/$P 127\.0\.0\.1:5060([;, ]|$)"    # umsbcd's Via towards the gateway
RR_IN="127\.0\.0\.2:5060"
RR_OUT="127\.0\.0\.1:5060"

say "umsbcd with gw2 (unsecured) and um1 = sip:127.0.0.20:5060;transport=$p"
[ "$p" = tcp ] && CONF_UM_SERVERS='{ name = "um1"; uri = "sip:127.0.0.20:5060;transport=tcp"; probe_interval = 0; }'
write_conf "$TD"
start_umsbcd "$TD"
wait_port $p 127.0.0.1 5060 5 && wait_port $p 127.0.0.2 5060 5 || fail "umsbcd not listening on $p 5060"
ok "umsbcd ready (pid $UMSBCD_PID), listening on $p 127.0.0.1:5060 and 127.0.0.2:5060"

say "call 1: complete call gw2 -> um1 (INVITE/180/200/ACK/BYE)"
run_call c1 $TR uac uas
check_proxied c1-uas.msg '^INVITE ' "$VIA_IN" "$RR_IN" "$RR_OUT" "UM received INVITE"
inv=$(sip_received c1-uas.msg '^INVITE ')
printf '%s\n' "$inv" | hdr_values Via | grep -qE '127\.0\.0\.8:5060' ||
  fail "the gateway's own Via is missing below umsbcd's in the INVITE at the UM"
printf '%s\n' "$inv" | grep -qiE '^Max-Forwards: *69$' ||
  fail "Max-Forwards not decremented to 69: $(printf '%s\n' "$inv" | grep -i '^Max-Forwards')"
ok "UM's INVITE keeps the gateway Via below umsbcd's; Max-Forwards 70 -> 69"
check_proxied c1-uac.msg '^SIP/2\.0 200' "127\.0\.0\.8:5060" "$RR_IN" "$RR_OUT" \
  "gateway received 200 OK (umsbcd's Via removed, Record-Route kept)"
check_proxied c1-uas.msg '^ACK ' "$VIA_IN" "" "" "UM received the ACK through umsbcd"
check_proxied c1-uas.msg '^BYE ' "$VIA_IN" "" "" "UM received the BYE through umsbcd"
sip_received c1-uas.msg '^BYE ' | grep -qiE '^Route:' &&
  fail "BYE at the UM still carries Route headers (umsbcd must consume its own two Route entries)"
ok "BYE at the UM carries no Route header (umsbcd removed its own entries)"

if [ "$TR" = u1 ]; then
  say "call 2: UM answers 486 Busy Here and loses umsbcd's first ACK; its retransmitted 486 is ACKed again"
  run_call c2 $TR uac_busy uas_busy_rtx
else
  say "call 2: UM answers 486 Busy Here; gateway gets 486, UM gets umsbcd's ACK"
  run_call c2 $TR uac_busy uas_busy
fi
check_proxied c2-uas.msg '^ACK ' "$VIA_IN" "" "" "UM received the hop-by-hop ACK for 486"

say "call 3: CANCEL before the answer (UM rings; 200 for CANCEL, 487 for INVITE)"
run_call c3 $TR uac_cancel uas_cancel
check_proxied c3-uas.msg '^CANCEL ' "$VIA_IN" "" "" "UM received CANCEL from umsbcd"
[ "$(sip_received c3-uac.msg '^SIP/2\.0 487' | grep -ciE '^CSeq: *1 INVITE')" = 1 ] ||
  fail "gateway did not get 487 for its INVITE"
ok "gateway got 200 (CANCEL) and 487 (INVITE)"

say "call 4: re-INVITE inside the dialog"
run_call c4 $TR uac_reinvite uas_reinvite
check_proxied c4-uas.msg '^INVITE ' "$VIA_IN" "$RR_IN" "$RR_OUT" "UM received the initial INVITE"
[ "$(sip_requests c4-uas.msg INVITE)" = 2 ] || fail "UM should have received 2 INVITEs, got $(sip_requests c4-uas.msg INVITE)"
sip_received c4-uas.msg '^INVITE ' 2 | grep -qE '^a=sendonly' || fail "re-INVITE SDP (a=sendonly) did not reach the UM"
ok "re-INVITE (CSeq 2, a=sendonly) reached the UM through umsbcd and was answered"

say "call 5: the UM hangs up (BYE from um1 back to gw2 through umsbcd)"
run_call c5 $TR uac_waitbye uas_bye
check_proxied c5-uac.msg '^BYE ' "$VIA_OUT" "" "" "gateway received the UM's BYE from umsbcd"
sip_received c5-uac.msg '^BYE ' | head -n 1 | grep -qE '^BYE sip:gw@127\.0\.0\.8:5060' ||
  fail "BYE Request-URI at the gateway is not its Contact: $(sip_received c5-uac.msg '^BYE ' | head -n 1)"
ok "BYE Request-URI at the gateway = its Contact"

if [ "$TR" = u1 ]; then
  say "call 6: gw2 sends its INVITE again after the 200 (RFC 6026: absorbed)"
  run_call c6 $TR uac_inv_rtx uas
  n=$(sip_requests c6-uas.msg INVITE)
  [ "$n" = 1 ] || fail "the UM received $n INVITEs (expected 1: the retransmission after the 200 is absorbed)"
  n=0
  for k in 1 2 3; do
    sip_received c6-uac.msg '^SIP/2\.0 200' $k | grep -qiE '^CSeq: *1 INVITE' && n=$((n + 1))
  done
  [ "$n" = 1 ] || fail "gw2 received $n 200s for its INVITE (expected 1: none for the retransmission)"
  ok "the retransmitted INVITE reached neither the UM nor got a 200 back"
fi

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
