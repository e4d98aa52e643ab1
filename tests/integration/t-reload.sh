#!/bin/bash
# t-reload.sh -- configuration check (-t) and live reload (SIGHUP).
#
#  1. `umsbcd -t -c FILE` exits 0 on a good configuration.
#  2. A call from gw2 is held for 8 s (-d 8000).  Meanwhile gw3 (127.0.0.9,
#     unsecured) is refused, then added to the configuration + SIGHUP:
#     UMS1010 "reload done", gw3 can now place a call, and the held call
#     still completes normally (BYE after the reload).
#  3. Syntax error + SIGHUP: UMS1011 "reload failed: FILE:LINE: reason" with the
#     right line; `umsbcd -t` exits 1 printing FILE:LINE:; gw3 still works.
#  4. Gateway referring to an unknown dial plan + SIGHUP: UMS1011 with
#     FILE:LINE:; `umsbcd -t` exits 1; gw3 still works.
#  5. gw1's "addresses" misspelled "adresses" (issue 12: that typo used to
#     load, admitting gw1's certificate from any source): `umsbcd -t` exits 1
#     printing FILE:LINE: unknown setting ... (did you mean "addresses"?);
#     SIGHUP logs UMS1011 with the same, "reload" on the control socket
#     answers it, `umsbcctl reload` refuses with it;
#     gw1's certificate from 127.0.0.11 is still refused (no SIP answer,
#     UMS2002 "source address not among"); gw3 still works.
#  6. Good configuration again + SIGHUP: UMS1010; umsbcd stops cleanly.
. "$(dirname "$0")/lib.sh"
need socat
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"

GW3=', { name = "gw3"; fqdn = "gw3.example.test"; addresses = ( "127.0.0.9" ); port = 5060; dialplan = "branch"; }'

check_conf() {   # check_conf WANT-EXIT WHAT : umsbcd -t on $TD/umsbc.conf
  local rc
  timeout 10 "$UMSBCD" -t -c "$TD/umsbc.conf" >"$TD/check.out" 2>&1
  rc=$?
  [ $rc = "$1" ] || fail "umsbcd -t ($2): exit status $rc, expected $1; output: $(head -n 3 "$TD/check.out")"
  if [ "$1" = 1 ]; then
    grep -qE 'umsbc\.conf:[0-9]+: ' "$TD/check.out" || fail "umsbcd -t ($2): no 'FILE:LINE: reason' in output: $(head -n 3 "$TD/check.out")"
    ok "umsbcd -t ($2): exit 1, $(grep -oE '[^ ]*umsbc\.conf:[0-9]+: .*' "$TD/check.out" | head -n 1 | sed "s#$TD/##")"
  else
    ok "umsbcd -t ($2): exit 0"
  fi
}
gw3_call() {     # gw3_call LABEL : a call from gw3 (127.0.0.9) completes
  local rc
  sipp_fg "$1" 20 -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.9 -p 5060 \
    -mi 127.0.0.9 -m 1 -d 100 -timeout 15s -timeout_error
  rc=$?
  [ $rc = 0 ] || fail "$1: call from gw3 failed (SIPp exit status $rc)"
  ok "$1: gw3 (127.0.0.9) placed a complete call"
}
hup() {          # hup REGEX WHAT : SIGHUP and wait for REGEX in the new log lines
  local mark
  mark=$(log_mark)
  kill -HUP "$UMSBCD_PID" || fail "cannot send SIGHUP"
  wait_log "$TD/umsbcd.log" 'UMS101[01]' 5 "$mark" || fail "no UMS1010/UMS1011 within 5 s of SIGHUP ($2)"
  assert_log "$1" "$2" "$mark" 1
  assert_alive "after SIGHUP ($2)"
}

say "1. configuration check of a good file"
write_conf "$TD"
[ -x "$UMSBCD" ] || fail "umsbcd binary not found: $UMSBCD"
check_conf 0 "good configuration"

say "2. reload during a held call, adding gw3"
start_umsbcd "$TD"
wait_port udp 127.0.0.1 5060 5 && wait_port udp 127.0.0.2 5060 5 || fail "umsbcd not listening on udp 5060"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
sipp_bg long-uac -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 8000 -timeout 30s -timeout_error
LONG_PID=$SIPP_PID
wait_log "$TD/um-uas.msg" '^ACK ' 5 || fail "the held call from gw2 was not established"
ok "call from gw2 established, held for 8 s"

mark=$(log_mark)
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.9 5060 UDP reload-gw3-early \
  "Contact: <sip:gw@127.0.0.9:5060>" >"$TD/gw3-early.txt"
udp_xchg 127.0.0.9 5060 127.0.0.1 5060 "$TD/gw3-early.txt" 1 >"$TD/gw3-early.out"
[ -s "$TD/gw3-early.out" ] && fail "gw3 (not yet configured) got an answer: $(head -n 1 "$TD/gw3-early.out")"
assert_log 'UMS2002 .*peer=127\.0\.0\.9:5060' "before the reload gw3 is refused" "$mark"

CONF_EXTRA_GATEWAYS=$GW3
write_conf "$TD"
check_conf 0 "with gw3"
hup 'UMS1010 reload done' "SIGHUP with gw3 added"
gw3_call gw3-a
_running "$LONG_PID" || fail "the held call ended before its 8 s (during the reload)"
wait_exit "$LONG_PID" 15
rc=$?
[ $rc = 0 ] || fail "the call held across the reload did not complete normally (SIPp exit status $rc)"
ok "the call held across the reload completed normally (BYE/200 after the reload)"

say "3. syntax error + SIGHUP -> refused, old configuration kept"
write_conf "$TD" 'this is not = a valid ; libconfig ( line'
bad_line=$(wc -l <"$TD/umsbc.conf")
hup "UMS1011 reload failed: .*umsbc\.conf:$bad_line: " "SIGHUP with a syntax error on line $bad_line"
check_conf 1 "syntax error"
grep -qE "umsbc\.conf:$bad_line: " "$TD/check.out" || fail "umsbcd -t reports the wrong line (expected $bad_line)"
gw3_call gw3-b

say "4. unknown dial plan reference + SIGHUP -> refused, old configuration kept"
CONF_EXTRA_GATEWAYS="$GW3"', { name = "gw4"; fqdn = "gw4.example.test"; addresses = ( "127.0.0.10" ); port = 5060; dialplan = "nosuch"; }'
write_conf "$TD"
hup 'UMS1011 reload failed: .*umsbc\.conf:[0-9]+: ' "SIGHUP with a gateway using dial plan \"nosuch\""
check_conf 1 "unknown dial plan"
gw3_call gw3-c

say "5. misspelled key (gw1 \"adresses\") -> refused with FILE:LINE, gw1 still bound to its address"
CONF_EXTRA_GATEWAYS=$GW3
write_conf "$TD"
sed -i 's/addresses = ( "127\.0\.0\.7" )/adresses = ( "127.0.0.7" )/' "$TD/umsbc.conf"
typo_line=$(grep -n '"gw1".*adresses' "$TD/umsbc.conf" | cut -d: -f1)
[ -n "$typo_line" ] || fail "could not misspell gw1's addresses in umsbc.conf"
typo_re="umsbc\.conf:$typo_line: unknown setting \"adresses\" in gateway \"gw1\" \(did you mean \"addresses\"\?\)"
check_conf 1 "gw1's addresses misspelled"
grep -qE "$typo_re" "$TD/check.out" || fail "umsbcd -t does not name line $typo_line and the key: $(head -n 3 "$TD/check.out")"
hup "UMS1011 reload failed: .*$typo_re" "SIGHUP with gw1's addresses misspelled"
ans=$(printf 'reload\n' | timeout 10 socat -t 5 - "UNIX-CONNECT:$TD/umsbcd.sock" | head -n 1)
echo "$ans" | grep -qE "^error .*$typo_re" || fail "reload over the control socket answered '$ans'"
ok "control socket reload: ${ans#error "$TD"/}"
# umsbcctl reads the file for the socket's path, so it stops there, with the same words.
ans=$("$UMSBCCTL" -c "$TD/umsbc.conf" reload 2>&1) && fail "umsbcctl reload accepted the misspelled key: $ans"
echo "$ans" | grep -qE "$typo_re" || fail "umsbcctl reload did not name line $typo_line and the key: $ans"
ok "umsbcctl reload refused: $(echo "$ans" | grep -oE 'umsbc\.conf:[0-9]+: [^(]*')"
mark=$(log_mark)
sip_req OPTIONS sip:127.0.0.1:5061 127.0.0.11 5061 TLS reload-gw1-elsewhere >"$TD/gw1-elsewhere.txt"
tls_xchg 127.0.0.11 "$TD/gw1-elsewhere.txt" "$TD/gw1-elsewhere.out" gw1
grep -aqE '^SIP/2\.0 [0-9]{3}' "$TD/gw1-elsewhere.out" &&
  fail "gw1's certificate from 127.0.0.11 got a SIP answer (addresses not enforced): $(grep -aE '^SIP/2\.0' "$TD/gw1-elsewhere.out" | head -n 1)"
assert_log 'UMS2002 .*peer=127\.0\.0\.11:[0-9]+ .*transport=tls .*source address not among' \
  "gw1's certificate from 127.0.0.11 refused: its addresses still apply" "$mark"
gw3_call gw3-d

say "6. good configuration again"
CONF_EXTRA_GATEWAYS=$GW3
write_conf "$TD"
hup 'UMS1010 reload done' "SIGHUP with a good configuration"
gw3_call gw3-e

stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
