#!/bin/bash
# t-connectivity.sh -- umsbcctl test-connectivity and the per-peer status
# (issue 10): the daemon's own sockets, certificate and trust store test each hop.
#
#   um1 127.0.0.20 (SIPp UAS, -aa answers OPTIONS)
#   gw1 127.0.0.7:5061 secured: stunnel (gw1's certificate, requires ours) in front
#       of a SIPp UAS on 127.0.0.7:5062 (-aa)
#   gw2 127.0.0.8 unsecured (nobody there)
#
#  step                                        expected
#  --um um1                                    exit 0, "um um1 pass ... status=200 rtt_ms=N"
#  --secured --gateway gw1                     exit 0, status=200, verified=yes, the gw1
#                                              certificate's subject, thumbprint, days left
#  status --json                               gateways[]: gw1 connected over tls with one
#                                              connection and its thumbprint, gw2
#                                              disconnected, never seen; um_servers[] with
#                                              calls_active
#  --secured --gateway gw2                     exit 1, "mode mismatch", nothing sent
#  gw1 presents the "rogue" certificate        exit 1, a TLS failure naming the verification
#  (CN gw1.example.test, untrusted CA)         error
#  um1 stopped: --um um1, --dialplan branch    exit 1, "no answer", in about 4 s
. "$(dirname "$0")/lib.sh"
need python3 stunnel
IT_LIMIT=${IT_LIMIT:-90}
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"
tc() { timeout 20 "$UMSBCCTL" -c "$TD/umsbc.conf" "$@"; }

write_conf "$TD"
uas_start um1 "$SCEN/uas.xml" u1 127.0.0.20 5060 -timeout 80s
UM1=$UAS_PID
uas_start gw1-sip "$SCEN/uas.xml" t1 127.0.0.7 5062 -timeout 80s
gw1_tls_server 5062 gw1
GW1_TLS=$STUNNEL_PID
start_umsbcd "$TD"
wait_port udp 127.0.0.2 5060 5 || fail "umsbcd not listening inside"
sha1() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'; }
GW1_SHA1=$(sha1 "$TD/pki/gw1.crt")

say "a UM server that answers"
tc test-connectivity --um um1 >"$TD/t1.out" 2>&1 || fail "--um um1: exit $? ($(cat "$TD/t1.out"))"
grep -qE '^um um1 pass transport=udp .*status=200 rtt_ms=[0-9]+' "$TD/t1.out" ||
  fail "--um um1: $(cat "$TD/t1.out")"
grep -qx 'result pass' "$TD/t1.out" || fail "--um um1: no 'result pass': $(cat "$TD/t1.out")"
ok "$(head -n 1 "$TD/t1.out")"

say "a secured gateway: mutual TLS, its certificate verified, then OPTIONS"
tc test-connectivity --secured --gateway gw1 >"$TD/t2.out" 2>&1 ||
  fail "--secured --gateway gw1: exit $? ($(cat "$TD/t2.out"))"
grep -qE '^gw gw1 pass transport=tls mode=secured status=200 rtt_ms=[0-9]+ verified=yes subject="[^"]*CN=gw1.example.test" ' "$TD/t2.out" ||
  fail "--gateway gw1: $(cat "$TD/t2.out")"
grep -qiE "cert_sha1=$GW1_SHA1 cert_days_left=(29|30)$" "$TD/t2.out" ||
  fail "--gateway gw1: not gw1's thumbprint ($GW1_SHA1) and days left: $(cat "$TD/t2.out")"
grep -q OPTIONS "$TD/gw1-sip.msg" || fail "the OPTIONS did not reach gw1's SIP behind stunnel"
ok "$(head -n 1 "$TD/t2.out")"
tc --json test-connectivity --gateway gw1 >"$TD/t2.json" || fail "--json --gateway gw1: exit $?"
python3 - "$TD/t2.json" <<'PY' || fail "--json: $(cat "$TD/t2.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["result"] == "pass", d
h = d["hops"][0]
assert (h["kind"], h["name"], h["verdict"], h["status"]) == ("gw", "gw1", "pass", "200"), h
assert "CN=gw1.example.test" in h["subject"] and " " in h["subject"], h
PY
ok "--json test-connectivity: parsed by Python's json"

say "status per peer (--json)"
tc --json status >"$TD/status.json" || fail "status --json: exit $?"
python3 - "$TD/status.json" "$GW1_SHA1" <<'PY' || fail "status --json: $(cat "$TD/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
gw = {g["name"]: g for g in d["gateways"]}
g1, g2 = gw["gw1"], gw["gw2"]
assert g1["state"] == "connected" and g1["transport"] == "tls" and g1["mode"] == "secured", g1
assert g1["connections"] == "1" and g1["calls_active"] == "0", g1
assert g1["cert_sha1"].upper() == sys.argv[2].upper() and int(g1["cert_days_left"]) in (29, 30), g1
assert g1["last_seen"] != "never", g1
assert g2["state"] == "disconnected" and g2["transport"] == "udp" and g2["last_seen"] == "never", g2
assert g2["connections"] == "0" and g2["cert_sha1"] == "none", g2
um = {u["name"]: u for u in d["um_servers"]}
assert um["um1"]["calls_active"] == "0", um
PY
tc status | grep -E '^gw gw1 connected ' >/dev/null || fail "status: no 'gw gw1 connected' line: $(tc status)"
ok "$(tc status | grep -E '^gw ' | tr '\n' ';')"

say "--secured on an unsecured gateway: a mismatch, nothing sent"
tc test-connectivity --secured --gateway gw2 >"$TD/t3.out" 2>&1 && fail "--secured --gateway gw2 passed: $(cat "$TD/t3.out")"
grep -qE '^gw gw2 fail .*reason="mode mismatch: tested --secured, but gw2 is unsecured' "$TD/t3.out" ||
  fail "--secured --gateway gw2: $(cat "$TD/t3.out")"
ok "$(head -n 1 "$TD/t3.out")"
tc test-connectivity --gateway nosuch >"$TD/t3b.out" 2>&1 && fail "--gateway nosuch passed"
grep -q 'no gateway "nosuch"' "$TD/t3b.out" || fail "--gateway nosuch: $(cat "$TD/t3b.out")"
tc test-connectivity --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "--bogus: not a usage error (2)"
ok "unknown gateway and unknown option refused"

say "gw1 shows a certificate of an untrusted CA"
kill "$GW1_TLS"; wait_exit "$GW1_TLS" 5 >/dev/null
for i in $(seq 40); do tc status | grep -qE '^gw gw1 .* connections=0 ' && break; sleep 0.05; done
gw1_tls_server 5062 rogue
tc test-connectivity --gateway gw1 >"$TD/t4.out" 2>&1 && fail "gw1 with the rogue certificate passed: $(cat "$TD/t4.out")"
grep -qE '^gw gw1 fail transport=tls .*reason="TLS connection failed: certificate verification: unable to get local issuer certificate' "$TD/t4.out" ||
  fail "rogue gw1: $(cat "$TD/t4.out")"
grep -qx 'result fail' "$TD/t4.out" || fail "rogue gw1: no 'result fail'"
ok "$(head -n 1 "$TD/t4.out")"

say "a UM server that is down"
kill "$UM1"; wait_exit "$UM1" 5 >/dev/null
t0=$(now_ms)
tc test-connectivity --um um1 >"$TD/t5.out" 2>&1 && fail "--um um1 passed with um1 down: $(cat "$TD/t5.out")"
t=$(($(now_ms) - t0))
grep -qE '^um um1 fail transport=udp .*status=none .*reason="no answer to OPTIONS within 4 s"' "$TD/t5.out" ||
  fail "um1 down: $(cat "$TD/t5.out")"
[ "$t" -ge 3500 ] && [ "$t" -le 8000 ] || fail "um1 down: answered after $t ms (expected about 4 s)"
ok "$(head -n 1 "$TD/t5.out") (after $t ms)"
tc test-connectivity --dialplan branch >"$TD/t6.out" 2>&1 && fail "--dialplan branch passed: $(cat "$TD/t6.out")"
grep -qE '^um um1 fail ' "$TD/t6.out" && grep -qE '^gw gw2 fail ' "$TD/t6.out" ||
  fail "--dialplan branch: not um1 and gw2: $(cat "$TD/t6.out")"
ok "--dialplan branch: um1 and gw2 tested, both fail"

assert_alive
stop_umsbcd
finish
