#!/bin/bash
# t-dns.sh -- gateways and UM servers known by name, resolved through a real
# DNS server (Debian's dnsmasq on 127.0.0.53:53 in the test's namespace) with
# a short TTL (issue 10 "DNS").
#
#   dnsmasq: _sip._udp.um.dns.test SRV 0 0 5070 umhost.dns.test
#            umhost.dns.test A 127.0.0.20, gw3.dns.test A 127.0.0.9 (a hosts
#            file it reads again on SIGHUP); dns.test is local: any other name
#            in it is NXDOMAIN; TTL 2 s (--local-ttl), dns.min_ttl = 1
#   um1:  uri = "sip:um.dns.test;transport=udp" (no port: SRV, then A)
#   gw3:  fqdn = "gw3.dns.test", no addresses, port 5060, unsecured
#   gw4:  fqdn = "gw4.dns.test", no addresses, unsecured (does not resolve)
#
#  step                                           expected
#  start-up                                       UMS3011 for um.dns.test (SRV _sip._udp:
#                                                 127.0.0.20:5070) and gw3.dns.test
#                                                 (127.0.0.9:5060); UMS3010 for gw4.dns.test
#                                                 (nxdomain, "not admitted"); umsbcctl
#                                                 status shows the resolved addresses and
#                                                 when (and --json parses)
#  call from gw3 (127.0.0.9) -> um1               admitted by its resolved address; the
#                                                 INVITE reaches 127.0.0.20:5070 (SRV port)
#  umhost.dns.test changed to 127.0.0.21          after the TTL: UMS3011 with 127.0.0.21;
#                                                 the next call goes to 127.0.0.21:5070,
#                                                 the old address gets nothing
#  gw4's would-be address 127.0.0.10 sends        dropped (no answer), UMS2002; gw4 is
#  an INVITE                                      shown unresolved (dns_error=nxdomain)
#  reload (SIGHUP)                                status keeps the addresses at once
#                                                 (carried over by name); calls still work
#  dnsmasq stopped                                UMS3010 (timeout) "last addresses ... used";
#                                                 status keeps them with dns_error=; a call
#                                                 still reaches um1
. "$(dirname "$0")/lib.sh"
need python3
DNSMASQ=${DNSMASQ:-/usr/sbin/dnsmasq}
[ -x "$DNSMASQ" ] || fail "dnsmasq not found at $DNSMASQ (apt-get install dnsmasq-base, or set DNSMASQ)"
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"
status() { "$UMSBCCTL" -c "$TD/umsbc.conf" status; }

# dnsmasq's log is shown with umsbcd's when a check fails.
dns_fail() { _tail_file "$TD/dnsmasq.log" 25; fail "$@"; }

say "dnsmasq on 127.0.0.53:53: SRV for um.dns.test, A records from a hosts file, TTL 2 s"
printf '%s\n' "127.0.0.20 umhost.dns.test" "127.0.0.9 gw3.dns.test" >"$TD/hosts"
"$DNSMASQ" --keep-in-foreground --conf-file=/dev/null --user=root --pid-file= \
  --port=53 --listen-address=127.0.0.53 --bind-interfaces --no-resolv --no-hosts \
  --addn-hosts="$TD/hosts" --local=/dns.test/ --local-ttl=2 \
  --srv-host=_sip._udp.um.dns.test,umhost.dns.test,5070,0,0 \
  --log-queries --log-facility="$TD/dnsmasq.log" 2>"$TD/dnsmasq.err" &
DNS_PID=$!
track "$DNS_PID"
wait_port udp 127.0.0.53 53 5 || { cat "$TD/dnsmasq.err"; dns_fail "dnsmasq did not come up on 127.0.0.53:53"; }
wait_log "$TD/dnsmasq.log" 'read .*hosts - 2 names' 5 || dns_fail "dnsmasq did not read the hosts file"
ok "dnsmasq (pid $DNS_PID) serving dns.test"

CONF_UM_SERVERS='{ name = "um1"; uri = "sip:um.dns.test;transport=udp"; probe_interval = 0; }'
CONF_EXTRA_GATEWAYS=', { name = "gw3"; fqdn = "gw3.dns.test"; port = 5060; dialplan = "branch"; },
  { name = "gw4"; fqdn = "gw4.dns.test"; port = 5060; dialplan = "branch"; }'
DNS_GROUP='dns = { nameservers = ( "127.0.0.53" ); min_ttl = 1; max_ttl = 60; retry = 1; timeout = 1; };'
write_conf "$TD" "$DNS_GROUP"
start_umsbcd "$TD"

say "start-up: names resolved (SRV, then A), the unresolvable one logged"
assert_log 'UMS3011 um\.dns\.test resolved \(SRV _sip\._udp\): 127\.0\.0\.20:5070,.*UM server um1' \
  "um1 by SRV then A" 0 5
assert_log 'UMS3011 gw3\.dns\.test resolved \(A/AAAA\): 127\.0\.0\.9:5060,.*gateway gw3' "gw3 by A" 0 5
assert_log 'UMS3010 gw4\.dns\.test does not resolve .*nxdomain.*gateway gw4.*not admitted' \
  "gw4 unresolvable, unsecured: not admitted" 0 5
grep -q 'query\[SRV\] _sip._udp.um.dns.test' "$TD/dnsmasq.log" || dns_fail "dnsmasq saw no SRV query for um1"
grep -q 'query\[A\] umhost.dns.test' "$TD/dnsmasq.log" || dns_fail "dnsmasq saw no A query for the SRV target"
ok "dnsmasq answered the SRV query and the A query of its target"
st=$(status) || fail "umsbcctl status failed"
printf '%s\n' "$st" | grep -qE '^um um1 .* dns=_sip\._udp\.um\.dns\.test resolved=127\.0\.0\.20:5070 resolved_at=[0-9T:-]+Z ttl=[0-9]+' ||
  fail "status of um1: $(printf '%s\n' "$st" | grep '^um um1')"
printf '%s\n' "$st" | grep -qE '^gw gw3 .* dns=gw3\.dns\.test resolved=127\.0\.0\.9:5060 resolved_at=[0-9T:-]+Z' ||
  fail "status of gw3: $(printf '%s\n' "$st" | grep '^gw gw3')"
printf '%s\n' "$st" | grep -qE '^gw gw4 .* dns=gw4\.dns\.test resolved=none resolved_at=never ttl=0 dns_error=nxdomain' ||
  fail "status of gw4: $(printf '%s\n' "$st" | grep '^gw gw4')"
ok "$(printf '%s\n' "$st" | grep '^um um1' | grep -oE 'dns=.*')"
ok "$(printf '%s\n' "$st" | grep '^gw gw4' | grep -oE 'dns=.*')"
"$UMSBCCTL" -c "$TD/umsbc.conf" --json status >"$TD/status.json" || fail "umsbcctl --json status failed"
python3 - "$TD/status.json" <<'EOF' || fail "umsbcctl --json status: $(cat "$TD/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
um = {u["name"]: u for u in d["um_servers"]}
gw = {g["name"]: g for g in d["gateways"]}
assert um["um1"]["resolved"] == "127.0.0.20:5070", um
assert gw["gw3"]["resolved"] == "127.0.0.9:5060", gw
assert gw["gw4"]["dns_error"] == "nxdomain", gw
EOF
ok "umsbcctl --json status: resolved addresses parsed by Python's json"

# dns_call LABEL UM-ADDR : a call from gw3 (127.0.0.9) to um1, whose SIPp UAS
# listens on UM-ADDR:5070 (the SRV port)
dns_call() {
  local l=$1 a=$2 rc
  uas_start "$l-uas" "$SCEN/uas.xml" u1 "$a" 5070 -m 1 -d 200
  sipp_fg "$l-uac" 20 -sf "$SCEN/uac.xml" -t u1 -s 123 127.0.0.1:5060 \
    -i 127.0.0.9 -p 5060 -mi 127.0.0.9 -m 1 -d 200 -timeout 15s -timeout_error
  rc=$?
  [ $rc = 0 ] || fail "$l: SIPp UAC (gw3) exit status $rc (expected 0 = call completed)"
  uas_wait "$l-uas" 10
  [ "$(sip_requests "$TD/$l-uas.msg" INVITE)" = 1 ] || fail "$l: the UM at $a:5070 did not get the INVITE"
  ok "$l: gw3 (admitted by its resolved address) -> um1 at $a:5070: call completed"
}

say "a call from gw3 by name to um1 by name"
dns_call c1 127.0.0.20

say "umhost.dns.test moves to 127.0.0.21: picked up after the TTL"
mark=$(log_mark)
printf '%s\n' "127.0.0.21 umhost.dns.test" "127.0.0.9 gw3.dns.test" >"$TD/hosts"
kill -HUP "$DNS_PID"
wait_log "$TD/dnsmasq.log" 'read .*hosts - 2 names' 5 "$(log_mark "$TD/dnsmasq.log")"
assert_log 'UMS3011 um\.dns\.test resolved \(SRV _sip\._udp\): 127\.0\.0\.21:5070,' \
  "the new address after the TTL" "$mark" 8
printf '%s\n' "$(status)" | grep -qE '^um um1 .* resolved=127\.0\.0\.21:5070 ' ||
  fail "status of um1 after the change: $(status | grep '^um um1')"
# The old address: a UAS that must get nothing.
uas_start old-uas "$SCEN/uas.xml" u1 127.0.0.20 5070 -m 1 -d 200
OLD_UAS=$UAS_PID
dns_call c2 127.0.0.21
[ "$(sip_requests "$TD/old-uas.msg" INVITE)" = 0 ] || fail "the old address 127.0.0.20 still got an INVITE"
kill "$OLD_UAS" 2>/dev/null
ok "the old address 127.0.0.20:5070 got nothing"

say "gw4 does not resolve: its would-be address is a stranger"
mark=$(log_mark)
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.10 5060 UDP gw4-call >"$TD/gw4.txt"
udp_xchg 127.0.0.10 5060 127.0.0.1 5060 "$TD/gw4.txt" 1 >"$TD/gw4.out"
[ -s "$TD/gw4.out" ] && fail "an INVITE from 127.0.0.10 (gw4 unresolved) got an answer: $(head -n 1 "$TD/gw4.out")"
assert_log 'UMS2002 .*peer=127\.0\.0\.10:5060 .*transport=udp' "refused (UMS2002)" "$mark"
ok "dropped without an answer"

say "reload: what is known is kept at once, and resolved again"
mark=$(log_mark)
kill -HUP "$UMSBCD_PID"
assert_log 'UMS1010' "reload done" "$mark" 5
st=$(status)
printf '%s\n' "$st" | grep -qE '^um um1 .* resolved=127\.0\.0\.21:5070 ' || fail "um1 after the reload: $(printf '%s\n' "$st" | grep '^um um1')"
printf '%s\n' "$st" | grep -qE '^gw gw3 .* resolved=127\.0\.0\.9:5060 ' || fail "gw3 after the reload: $(printf '%s\n' "$st" | grep '^gw gw3')"
ok "status right after the reload still has um1 and gw3 resolved"
dns_call c3 127.0.0.21

say "the DNS server stops: the last addresses are kept (serve stale)"
mark=$(log_mark)
kill -TERM "$DNS_PID"
wait_exit "$DNS_PID" 5 >/dev/null
assert_log 'UMS3010 um\.dns\.test does not resolve \(SRV, then A/AAAA\): (timeout|error);.*the last addresses it had are used' \
  "um.dns.test unanswered: last addresses kept" "$mark" 12
printf '%s\n' "$(status)" | grep -qE '^um um1 .* resolved=127\.0\.0\.21:5070 .*dns_error=(timeout|error)' ||
  fail "status of um1 without a DNS server: $(status | grep '^um um1')"
dns_call c4 127.0.0.21

stop_umsbcd
finish
