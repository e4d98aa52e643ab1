#!/bin/bash
# t-flood.sh -- flood protection before admission (issue 11): one address
# flooding 5060/5061, trusted or not, cannot take the daemon from the other
# gateways.
#
# Default limits (udp_rate 2000/s burst 4000, connection_rate 50/s burst 100,
# cooldown 10 s). gw2 (127.0.0.8, SIPp UAC, UDP) places 30 calls/s for 10 s,
# once quietly and once during three floods at the same time:
#   - gw3 (127.0.0.9, a listed unsecured gateway) sends 5,000 OPTIONS/s for 10 s
#     (each would be forwarded to the UM server);
#   - a stranger (127.0.0.40) sends 5,000 OPTIONS/s;
#   - a stranger (127.0.0.41) keeps 8 connections in full TLS handshakes with a
#     valid certificate of our CA, reopening each as it is closed.
# The flooders run at nice 19: they stand for other hosts, and on this one
# machine they must not starve umsbcd and the gateway of the CPU they would
# have on an edge of their own.
# Expected: UMS2013 for each flooder; the UM server saw only the start of
# gw3's flood (its burst and rate until it tripped: 4000 + 2000 x 1.3 s at a
# full 5,000/s), less than half of it, and nothing sent after it tripped (the
# Call-IDs it got are the first ones); gw2's calls: none failed, INVITE->200 p99 within 2x of the quiet
# run's, or within 20 ms of it: SIPp measures whole milliseconds, the quiet
# p99 on loopback is 1-8 ms, and the flooders share the test's two cores.
IT_LIMIT=${IT_LIMIT:-120}
. "$(dirname "$0")/lib.sh"
need python3
CONF_EXTRA_GATEWAYS=', { name = "gw3"; fqdn = "gw3.example.test"; addresses = ( "127.0.0.9" ); port = 5060; dialplan = "branch"; }'
write_conf "$TD"
start_umsbcd "$TD"
wait_port udp 127.0.0.1 5060 5 && wait_port tcp 127.0.0.1 5061 5 || fail "umsbcd not listening"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100

# calls LABEL : gw2 places 300 calls at 30/s; prints "p50 p99 failed"
calls() {
  local rc rtt
  (cd "$TD" && sipp -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5062 -mi 127.0.0.8 \
    -r 30 -m 300 -d 100 -timeout 40s -timeout_error -nostdin -aa -trace_rtt -rtt_freq 1 \
    -trace_err -error_file "$TD/$1.err" >"$TD/$1.out" 2>&1)
  rc=$?
  rtt=$(ls -t "$TD"/uac_*_rtt.csv | head -1)
  awk -F';' 'NR > 1 { print $2 }' "$rtt" | sort -n >"$TD/$1.rtt"
  mv "$rtt" "$TD/$1.rtt.csv"
  echo "$(awk '{ a[NR] = $1 } END { print a[int(NR * 0.5 + 0.5)] + 0, a[int(NR * 0.99 + 0.5)] + 0 }' "$TD/$1.rtt") $rc"
}

say "quiet: gw2 places 300 calls at 30/s"
read -r q50 q99 qrc < <(calls quiet)
[ "$qrc" = 0 ] || fail "quiet run: SIPp exit $qrc"
ok "quiet: INVITE->200 p50 $q50 ms, p99 $q99 ms, no call failed"

say "the same calls during three floods"
mark=$(log_mark)

nice -n 19 python3 "$IT_DIR/udpflood.py" 127.0.0.9 127.0.0.1:5060 5000 10 >"$TD/flood-gw3.txt" &
F1=$!; track $F1
nice -n 19 python3 "$IT_DIR/udpflood.py" 127.0.0.40 127.0.0.1:5060 5000 10 >"$TD/flood-stranger.txt" &
F2=$!; track $F2
nice -n 19 python3 "$IT_DIR/connhold.py" --target 127.0.0.1:5061 --src 127.0.0.41 --count 8 --hold 10 --reopen --tls \
  --cert "$TD/pki/stranger.crt" --key "$TD/pki/stranger.key" --ca "$TD/pki/ca.crt" >"$TD/flood-tls.txt" &
F3=$!; track $F3
cpu0=$(awk '{print $14 + $15}' "/proc/$UMSBCD_PID/stat"); t0=$(now_ms)
read -r f50 f99 frc < <(calls flood)
cpu1=$(awk '{print $14 + $15}' "/proc/$UMSBCD_PID/stat"); t1=$(now_ms)
for p in $F1 $F2 $F3; do kill -TERM $p 2>/dev/null; wait_exit $p 10 >/dev/null; done
ok "gw3 flood: $(tr '\n' ' ' <"$TD/flood-gw3.txt"); stranger: $(tr '\n' ' ' <"$TD/flood-stranger.txt")"
ok "TLS flood: $(grep -E '^(opened|handshakes|closed) ' "$TD/flood-tls.txt" | tr '\n' ' ')"
ok "umsbcd used $(( (cpu1 - cpu0) * 1000 / $(getconf CLK_TCK) * 100 / (t1 - t0) ))% of a core during the floods"
[ "$frc" = 0 ] || fail "gw2's calls during the floods: SIPp exit $frc ($(grep -a 'Failed call' "$TD/flood.out" | tail -1))"
bound=$((2 * q99 > q99 + 20 ? 2 * q99 : q99 + 20))
[ "$f99" -le "$bound" ] || fail "gw2's INVITE->200 p99 $f99 ms during the floods, over $bound ms (quiet $q99 ms)"
ok "during the floods: p50 $f50 ms, p99 $f99 ms (quiet $q99 ms, bound $bound ms), no call failed"
for who in 127.0.0.9 127.0.0.40; do
  log_since "$mark" | grep -qE "UMS2013 source flooding: peer=${who//./\\.}:5060 sent more than 2000 datagrams" ||
    fail "no UMS2013 for $who"
done
log_since "$mark" | grep -qE 'UMS2013 source flooding: peer=127\.0\.0\.41:[0-9]+ sent more than 50 connections' ||
  fail "no UMS2013 for the handshake flood from 127.0.0.41"
ok "UMS2013 logged for each of the three flooders"
grep -aoE '^Call-ID: flood[0-9]+@127\.0\.0\.9' "$TD/um-uas.msg" | sed 's/^Call-ID: flood//; s/@.*//' |
  sort -un >"$TD/flood-got.txt"
n=$(wc -l <"$TD/flood-got.txt"); last=$(tail -n 1 "$TD/flood-got.txt"); sent=$(awk '$1 == "sent" { print $2 }' "$TD/flood-gw3.txt")
[ $((2 * n)) -lt "$sent" ] || fail "the UM server got $n of gw3's $sent flooded OPTIONS: the budget did not cut the flood"
[ $((last - n)) -lt 100 ] ||
  fail "the UM server got gw3's request $last but only $n of them: some came after gw3 tripped its budget"
ok "the UM server got gw3's first $n of $sent flooded requests (its burst and rate until it tripped), none after"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
