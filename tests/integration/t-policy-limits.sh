#!/bin/bash
# t-policy-limits.sh -- call admission limits (issue 11) at exactly the
# configured numbers, without media anchoring (no media group: the calls are
# counted by umsbcd's own dialog table).
#  1. gw2 max_calls = 2: gw2 (SIPp UAC) holds 2 calls to um1 (SIPp UAS); a
#     third INVITE gets 503 with Retry-After and a Reason naming the limit,
#     UMS5011 is logged, um1 saw 2 INVITEs only; umsbcctl status (and
#     --json) shows gw2 calls=2 max_calls=2 refused=1. A reload lowering the
#     limit to 1 touches neither call: both go on to their BYE, after which
#     nothing is counted any more. gw2's calls_active says 2 as well.
#  2. (gw2's limit removed by a reload) dial plan branch outbound
#     max_cps = 2: um1 sends 3 INVITEs to gw2 at
#     once: 2 reach gw2 (which answers 486), 1 gets 503 Retry-After: 1; a
#     second later the bucket lets one more through.
#  3. A reload gives um1 max_calls = 1 (gw2 unlimited): with one call up, a
#     second call from gw2 gets 503 naming UM server um1; um1's
#     calls_active says 1 as well.
# Without the limit check in policy.c (or with calls not counted in
# dialogs.c), the third call of step 1 reaches um1 and no 503 comes back.
. "$(dirname "$0")/lib.sh"
need socat
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"
status() { "$UMSBCCTL" -c "$TD/umsbc.conf" status ${1:+"$1"}; }
gw2_line() { status | grep '^gw gw2 '; }

# wait_status REGEX [secs] : until a line of umsbcctl status matches
wait_status() {
  local i
  for ((i = 0; i < ${2:-5} * 10; i++)); do
    status | grep -qE -- "$1" && return 0
    sleep 0.1
  done
  return 1
}

# invite NAME SRC SRC-PORT DST RURI : one INVITE over UDP, answers in NAME.out
invite() {
  sip_req INVITE "$5" "$2" "$3" UDP "$1" "Contact: <sip:x@$2:$3>" >"$TD/$1.req"
  udp_xchg "$2" "$3" "$4" 5060 "$TD/$1.req" 1.5 >"$TD/$1.out"
}

CONF_GW2_EXTRA='max_calls = 2;'
CONF_BRANCH_EXTRA='outbound = { max_cps = 2; };'
write_conf "$TD"
start_umsbcd "$TD"
ok "umsbcd ready: gw2 max_calls 2, dial plan branch outbound max_cps 2, no media group"

say "1. gw2 max_calls = 2: the third concurrent call gets 503, the first two stay up"
uas_start um1 "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
sipp_bg gw2-calls -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 2 -l 2 -r 10 -d 5000 -timeout 30s -timeout_error
CALLS=$SIPP_PID
wait_status '^gw gw2 .* calls=2 max_calls=2 ' 5 || fail "gw2 never had 2 calls up: $(gw2_line)"
# One count: calls_active (status per peer) is the dialog table's, so it
# shows these calls although no media is anchored.
gw2_line | grep -qE ' calls_active=2 .* calls=2 ' || fail "gw2 calls_active is not 2: $(gw2_line)"
ok "status: $(gw2_line)"
status --json >"$TD/status.json" || fail "umsbcctl status --json failed"
python3 - "$TD/status.json" <<'EOF' || fail "status --json lacks gw2's limit: $(cat "$TD/status.json")"
import json, sys
gw = {g["name"]: g for g in json.load(open(sys.argv[1]))["gateways"]}
assert (gw["gw2"]["calls"], gw["gw2"]["max_calls"], gw["gw2"]["max_cps"]) == ("2", "2", "none"), gw["gw2"]
EOF
grep -q '"calls_counted":"2"' "$TD/status.json" || fail "status --json: calls_counted is not 2"
ok "status --json: gateways array with gw2 calls 2 of max_calls 2"
mark=$(log_mark)
invite third 127.0.0.8 5073 127.0.0.1 sip:123@sbc.example.test
[ "$(first_status "$TD/third.out")" = 503 ] || fail "third call: $(first_status "$TD/third.out"), expected 503: $(head -c 500 "$TD/third.out")"
grep -aqi '^Retry-After: 5' "$TD/third.out" || fail "the 503 has no Retry-After: 5"
grep -aqF 'text="gateway gw2 max_calls"' "$TD/third.out" || fail "the 503's Reason does not name the limit"
ok "third call: 503, $(grep -ai '^Retry-After' "$TD/third.out" | tr -d '\r'), $(grep -ai '^Reason' "$TD/third.out" | tr -d '\r')"
assert_log 'UMS5011 call refused 503: gateway gw2 max_calls=2 reached \(calls=2\)' "limit logged" "$mark"
gw2_line | grep -q ' refused=1$' || fail "status does not count the refusal: $(gw2_line)"
CONF_GW2_EXTRA='max_calls = 1;'
write_conf "$TD"
mark=$(log_mark)
kill -HUP "$UMSBCD_PID"
assert_log 'UMS1010' "reload to max_calls 1 during the calls" "$mark"
wait_status '^gw gw2 .* calls=2 max_calls=1 ' 2 || fail "after the reload: $(gw2_line)"
wait_exit "$CALLS" 15
rc=$?
[ $rc = 0 ] || fail "the two calls did not both complete (SIPp UAC exit $rc)"
[ "$(sip_requests "$TD/um1.msg" INVITE)" = 2 ] || fail "um1 got $(sip_requests "$TD/um1.msg" INVITE) INVITEs, expected 2"
[ "$(sip_requests "$TD/um1.msg" BYE)" = 2 ] || fail "um1 got $(sip_requests "$TD/um1.msg" BYE) BYEs, expected 2"
ok "both calls went on to their BYE; um1 saw 2 INVITEs, the refused one never"
wait_status '^calls_counted 0$' 3 || fail "calls still counted after their BYEs: $(status | grep -E '^calls_counted|^gw gw2')"
ok "after the BYEs: $(gw2_line)"

say "2. dial plan branch outbound max_cps = 2: the third INVITE of a burst gets 503"
CONF_GW2_EXTRA=
write_conf "$TD"
mark=$(log_mark)
kill -HUP "$UMSBCD_PID"
assert_log 'UMS1010' "reload: gw2 without a limit (its calls go out through it too)" "$mark"
uas_start gw2-busy "$SCEN/uas_busy.xml" u1 127.0.0.8 5060
mark=$(log_mark)
burst=()
for p in 5081 5082 5083; do
  invite "burst-$p" 127.0.0.20 "$p" 127.0.0.2 sip:+14255550100@gw2 &
  burst+=($!)
done
wait "${burst[@]}"
n503=0 n486=0
for p in 5081 5082 5083; do
  case $(first_status "$TD/burst-$p.out") in
  503) n503=$((n503 + 1)); grep -aqi '^Retry-After: 1' "$TD/burst-$p.out" || fail "503 without Retry-After: 1"
       grep -aqF 'text="dial plan branch outbound max_cps"' "$TD/burst-$p.out" || fail "503 without the max_cps Reason" ;;
  486) n486=$((n486 + 1)) ;;
  esac
done
[ $n503 = 1 ] && [ $n486 = 2 ] || fail "burst of 3: $n486 reached gw2 (486), $n503 × 503; expected 2 and 1"
assert_log 'UMS5011 call refused 503: dial plan branch outbound max_cps=2 reached' "rate limit logged" "$mark"
ok "burst of 3: 2 reached gw2, 1 refused 503 with Retry-After: 1"
sleep 1.1
invite later 127.0.0.20 5084 127.0.0.2 sip:+14255550100@gw2
[ "$(first_status "$TD/later.out")" = 486 ] || fail "a second later: $(first_status "$TD/later.out"), expected gw2's 486"
[ "$(sip_requests "$TD/gw2-busy.msg" INVITE)" = 3 ] || fail "gw2 got $(sip_requests "$TD/gw2-busy.msg" INVITE) INVITEs, expected 3"
ok "a second later the bucket let one through; gw2 saw 3 INVITEs in all"
kill -TERM "$UAS_PID"

say "3. reload: um1 max_calls = 1; a second call from gw2 gets 503 naming um1"
CONF_BRANCH_EXTRA=
CONF_UM_SERVERS='{ name = "um1"; uri = "sip:127.0.0.20:5060;transport=udp"; probe_interval = 0; max_calls = 1; }'
write_conf "$TD"
mark=$(log_mark)
kill -HUP "$UMSBCD_PID"
assert_log 'UMS1010' "reload done" "$mark"
sipp_bg held -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 3000 -timeout 20s -timeout_error
HELD=$SIPP_PID
wait_status '^um um1 .* calls=1 max_calls=1 ' 5 || fail "um1 never had its call: $(status | grep '^um ')"
status | grep -qE '^um um1 .* calls_active=1 calls=1 ' || fail "um1 calls_active is not 1: $(status | grep '^um ')"
invite second 127.0.0.8 5075 127.0.0.1 sip:123@sbc.example.test
[ "$(first_status "$TD/second.out")" = 503 ] || fail "second call: $(first_status "$TD/second.out"), expected 503"
grep -aqF 'text="UM server um1 max_calls"' "$TD/second.out" || fail "the 503 does not name UM server um1"
ok "second call: 503 naming UM server um1"
wait_exit "$HELD" 10 || fail "the held call did not complete"
ok "the held call went on to its BYE"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
