#!/bin/bash
# t-control.sh -- the control socket (what umsbcctl talks to), driven with socat.
#
#  1. The socket exists with mode 0600; "status" answers with the version, the
#     dial plans and their modes, and ends with a line ".".
#  2. While a call from gw2 is held, gw3 is removed from the configuration and
#     "reload" answers "ok reload done": gw3 is refused at once, the held call
#     completes normally.
#  3. A broken configuration: "reload" answers "error FILE:LINE: reason" and the
#     running configuration stays (gw2 still calls; status unchanged).
#  4. An unknown command gets an error naming the commands there are.
. "$(dirname "$0")/lib.sh"
need socat

GW3=', { name = "gw3"; fqdn = "gw3.example.test"; addresses = ( "127.0.0.9" ); port = 5060; dialplan = "branch"; }'
ctl() { printf '%s\n' "$1" | timeout 10 socat -t 5 - "UNIX-CONNECT:$TD/umsbcd.sock"; }

say "1. status over the control socket"
CONF_EXTRA_GATEWAYS=$GW3
write_conf "$TD"
start_umsbcd "$TD"
[ -S "$TD/umsbcd.sock" ] || fail "no control socket at $TD/umsbcd.sock"
mode=$(stat -c %a "$TD/umsbcd.sock")
[ "$mode" = 600 ] || fail "control socket mode $mode, expected 600"
ok "control socket $TD/umsbcd.sock, mode 600"
ctl status >"$TD/status.out"
head -n 1 "$TD/status.out" | grep -qx ok || fail "status did not answer ok: $(head -n 3 "$TD/status.out")"
grep -qE '^dialplan main secured( |$)' "$TD/status.out" || fail "status lacks 'dialplan main secured': $(cat "$TD/status.out")"
grep -qE '^certificate subject=.*sha1=[0-9A-F]{40} ' "$TD/status.out" || fail "status lacks the certificate: $(cat "$TD/status.out")"
tail -n 1 "$TD/status.out" | grep -qx '\.' || fail "status answer does not end with '.'"
ok "status: $(grep -c . "$TD/status.out") lines, dial plans and certificate listed"

say "2. reload removing gw3 while a gw2 call is held"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
sipp_bg long-uac -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 5000 -timeout 30s -timeout_error
LONG_PID=$SIPP_PID
wait_log "$TD/um-uas.msg" '^ACK ' 5 || fail "the held call from gw2 was not established"
CONF_EXTRA_GATEWAYS=
write_conf "$TD"
ans=$(ctl reload | head -n 1)
[ "$ans" = "ok reload done" ] || fail "reload answered '$ans'"
ok "reload: $ans"
mark=$(log_mark)
sip_req OPTIONS sip:127.0.0.1:5060 127.0.0.9 5060 UDP ctl-gw3-gone >"$TD/gw3.txt"
udp_xchg 127.0.0.9 5060 127.0.0.1 5060 "$TD/gw3.txt" 1 >"$TD/gw3.out"
[ -s "$TD/gw3.out" ] && fail "removed gw3 still got an answer: $(head -n 1 "$TD/gw3.out")"
assert_log 'UMS2002 .*peer=127\.0\.0\.9:5060' "gw3 refused after its removal" "$mark"
wait_exit "$LONG_PID" 15
rc=$?
[ $rc = 0 ] || fail "the call held across the reload did not complete (SIPp exit status $rc)"
ok "the gw2 call held across the reload completed normally"

say "3. broken configuration: reload refused, running configuration kept"
write_conf "$TD" 'gateways = this is broken'
bad_line=$(wc -l <"$TD/umsbc.conf")
ans=$(ctl reload | head -n 1)
echo "$ans" | grep -qE "^error .*umsbc\.conf:$bad_line: " || fail "broken reload answered '$ans' (expected error with line $bad_line)"
ok "reload: ${ans#error $TD/}"
ctl status | grep -qE '^dialplan branch unsecured( |$)' || fail "status changed after a failed reload"
sipp_fg after-uac 20 -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
  -mi 127.0.0.8 -m 1 -d 100 -timeout 15s -timeout_error || fail "gw2 call after the failed reload did not complete"
ok "gw2 still calls under the running configuration"

say "4. unknown command"
ans=$(ctl frobnicate | head -n 1)
echo "$ans" | grep -q '^error unknown command "frobnicate" (try: status, reload, test-connectivity)' || fail "unknown command answered '$ans'"
ok "unknown command: $ans"

stop_umsbcd
[ -e "$TD/umsbcd.sock" ] && fail "control socket left behind after stop"
ok "control socket removed at stop"
echo "PASS: $IT_NAME"
exit 0
