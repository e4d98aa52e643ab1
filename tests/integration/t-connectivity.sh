#!/bin/bash
# t-connectivity.sh -- umsbcctl test-connectivity and the per-peer status
# (issue 10): the daemon's own sockets, certificate and trust store test each hop.
#
#   um1 127.0.0.20 (SIPp UAS, -aa answers OPTIONS; uas.xml answers an INVITE
#       with 200 and PCMA on 127.0.0.20:6000, where -rtp_echo sends RTP back)
#   media group: inside 127.0.0.2, ports 40000-40099 (the test call's port)
#   gw1 127.0.0.7:5061 secured: stunnel (gw1's certificate, requires ours) in front
#       of a SIPp UAS on 127.0.0.7:5062 (-aa)
#   gw2 127.0.0.8 unsecured (nobody there)
#
#  step                                        expected
#  --um um1                                    exit 0, "um um1 pass ... status=200 rtt_ms=N"
#  --um um1 --call 4711 (RTP echoed)           exit 0, "call um1 pass ... status=200 setup_ms=N
#                                              codec=PCMA/8000 rtp_sent=N rtp_received=N bye=200"
#                                              (N >= 5 each way); um1 saw INVITE sip:4711@,
#                                              our SDP offer on 127.0.0.2 in 40000-40099, ACK,
#                                              BYE; --json too; no media port left held
#  um1 answers 486 (uas_busy_rtx.xml)          exit 1, reason="answered 486 Busy Here", ACKed twice
#  um1 answers 200 but sends no RTP            exit 1, rtp_received=0, reason="no RTP ...", BYE
#  --call with --gateway, or a bad number      exit 2 (usage)
#  --secured --gateway gw1                     exit 0, status=200, verified=yes, the gw1
#                                              certificate's subject, thumbprint, days left
#  status --json                               gateways[]: gw1 connected over tls with one
#                                              connection and its thumbprint, gw2
#                                              disconnected, never seen; um_servers[] with
#                                              calls_active
#  reload with gw2 listed before gw1           gw1's connection counts for gw1, none for gw2
#  (renumbered), and back                      (the connection table's gateway index follows)
#  --secured --gateway gw2                     exit 1, "mode mismatch", nothing sent
#  gw1 presents the "rogue" certificate        exit 1, a TLS failure naming the verification
#  (CN gw1.example.test, untrusted CA)         error
#  um1 stopped: --um um1, --dialplan branch    exit 1, "no answer", in about 4 s
#  um1 stopped: --um um1 --call 4711           exit 1, call: status=none, "no answer to the
#                                              INVITE", CANCEL sent after 4 s
. "$(dirname "$0")/lib.sh"
need python3 stunnel sipp
IT_LIMIT=${IT_LIMIT:-90}
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"
tc() { timeout 20 "$UMSBCCTL" -c "$TD/umsbc.conf" "$@"; }

write_conf "$TD" 'media = { inside_address = "127.0.0.2"; outside_address = "127.0.0.1"; port_min = 40000; port_max = 40099; };'
uas_start um1 "$SCEN/uas.xml" u1 127.0.0.20 5060 -timeout 80s -rtp_echo -mp 6000
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

say "a test call to um1: answered, RTP both ways, then BYE"
tc test-connectivity --um um1 --call 4711 >"$TD/c1.out" 2>&1 || fail "--call 4711: exit $? ($(cat "$TD/c1.out"))"
line=$(grep '^call um1 ' "$TD/c1.out") || fail "--call: no call line: $(cat "$TD/c1.out")"
[[ $line =~ ^call\ um1\ pass\ transport=udp\ mode=[a-z_]+\ number=4711\ status=200\ setup_ms=([0-9]+)\ codec=PCMA/8000\ rtp_sent=([0-9]+)\ rtp_received=([0-9]+)\ bye=200$ ]] ||
  fail "--call: $line"
[ "${BASH_REMATCH[2]}" -ge 50 ] && [ "${BASH_REMATCH[3]}" -ge 5 ] ||
  fail "--call: too few packets (sent ${BASH_REMATCH[2]}, received ${BASH_REMATCH[3]}): $line"
grep -qE '^um um1 pass ' "$TD/c1.out" || fail "--call: the OPTIONS line is missing: $(cat "$TD/c1.out")"
grep -qx 'result pass' "$TD/c1.out" || fail "--call: no 'result pass'"
inv=$(sip_received "$TD/um1.msg" '^INVITE sip:4711@')
[ -n "$inv" ] || fail "um1 got no INVITE for 4711: $(tail -n 40 "$TD/um1.msg")"
printf '%s\n' "$inv" | grep -q '^c=IN IP4 127\.0\.0\.2$' || fail "the offer is not on the inside media address: $inv"
port=$(printf '%s\n' "$inv" | sed -n 's/^m=audio \([0-9]*\) RTP\/AVP 0 8$/\1/p')
[ -n "$port" ] && [ "$port" -ge 40000 ] && [ "$port" -le 40099 ] || fail "the offer's port is not from the pool: $inv"
grep -q '^ACK sip:um@127.0.0.20' "$TD/um1.msg" || fail "um1 got no ACK to its 200"
grep -q '^BYE sip:um@127.0.0.20' "$TD/um1.msg" || fail "um1 got no BYE"
[ "$(tc status | awk '$1 == "media_ports_in_use" { print $2 }')" = 0 ] || fail "the test call's port is still held"
ok "$line"
tc --json test-connectivity --um um1 --call 4712 >"$TD/c1.json" || fail "--json --call: exit $?"
python3 - "$TD/c1.json" <<'PY' || fail "--json --call: $(cat "$TD/c1.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["result"] == "pass", d
c = [h for h in d["hops"] if h["kind"] == "call"][0]
assert (c["name"], c["verdict"], c["codec"], c["number"]) == ("um1", "pass", "PCMA/8000", "4712"), c
assert int(c["rtp_received"]) >= 5 and c["bye"] == "200", c
PY
ok "--json --call: parsed by Python's json"
tc test-connectivity --gateway gw2 --call 4711 >/dev/null 2>&1; [ $? = 2 ] || fail "--call with --gateway: not a usage error (2)"
tc test-connectivity --um um1 --call '47 11' >/dev/null 2>&1; [ $? = 2 ] || fail "--call '47 11': not a usage error (2)"
tc test-connectivity --um um1 --call >/dev/null 2>&1; [ $? = 2 ] || fail "--call without a number: not a usage error (2)"
ok "--call with --gateway, with a number that cannot be dialled, or without one: usage errors"

say "test calls that fail: um1 busy (486), um1 answering without RTP"
kill "$UM1"; wait_exit "$UM1" 5 >/dev/null
uas_start um1-busy "$SCEN/uas_busy_rtx.xml" u1 127.0.0.20 5060
UM1=$UAS_PID
tc test-connectivity --um um1 --call 4711 >"$TD/c2.out" 2>&1 && fail "--call to a busy um1 passed: $(cat "$TD/c2.out")"
grep -qE '^call um1 fail transport=udp .* status=486 .* codec=none rtp_sent=0 rtp_received=0 bye=none reason="answered 486 Busy Here"$' "$TD/c2.out" ||
  fail "busy um1: $(cat "$TD/c2.out")"
grep -qx 'result fail' "$TD/c2.out" || fail "busy um1: no 'result fail'"
wait_log "$TD/um1-busy.msg" '^ACK sip:4711@sbc.example.test' 3 || fail "busy um1 got no ACK for its 486"
# uas_busy_rtx drops the ACKs of its first 700 ms as lost, so its 486 comes
# again: each must be ACKed again (RFC 3261 17.1.1.2).
for _ in $(seq 50); do
  [ "$(sip_requests "$TD/um1-busy.msg" ACK)" -ge 3 ] && break
  sleep 0.1
done
[ "$(sip_requests "$TD/um1-busy.msg" ACK)" -ge 3 ] ||
  fail "busy um1 got no ACK for its retransmitted 486 (RFC 3261 17.1.1.2)"
kill "$UM1"; wait_exit "$UM1" 5 >/dev/null
ok "$(grep '^call ' "$TD/c2.out")"
uas_start um1-mute "$SCEN/uas.xml" u1 127.0.0.20 5060 -mp 6000
UM1=$UAS_PID
tc test-connectivity --um um1 --call 4711 >"$TD/c3.out" 2>&1 && fail "--call to a mute um1 passed: $(cat "$TD/c3.out")"
grep -qE '^call um1 fail transport=udp .* status=200 .* codec=PCMA/8000 rtp_sent=[1-9][0-9]* rtp_received=0 bye=200 reason="no RTP from the UM server: 0 packets in 2 s, 5 wanted"$' "$TD/c3.out" ||
  fail "mute um1: $(cat "$TD/c3.out")"
grep -q '^ACK sip:um@127.0.0.20' "$TD/um1-mute.msg" && grep -q '^BYE sip:um@127.0.0.20' "$TD/um1-mute.msg" ||
  fail "mute um1 did not get our ACK and BYE"
kill "$UM1"; wait_exit "$UM1" 5 >/dev/null
ok "$(grep '^call ' "$TD/c3.out")"
[ "$(tc status | awk '$1 == "media_ports_in_use" { print $2 }')" = 0 ] || fail "a failed test call's port is still held"
uas_start um1 "$SCEN/uas.xml" u1 127.0.0.20 5060 -timeout 80s
UM1=$UAS_PID

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

say "a reload that renumbers the gateways: gw1's connection still counts for gw1"
cp "$TD/umsbc.conf" "$TD/umsbc.conf.orig"
python3 - "$TD/umsbc.conf" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
gw1 = re.search(r'^  \{ name = "gw1";.*\},$', text, re.M).group(0)
gw2 = re.search(r'^  \{ name = "gw2";.*\}$', text, re.M).group(0)
text = text.replace(gw1 + "\n" + gw2, gw2 + ",\n" + gw1[:-1])
open(sys.argv[1], "w").write(text)
PY
grep -qE '^  \{ name = "gw2".*\},$' "$TD/umsbc.conf" || fail "gateways not swapped: $(grep 'name = "gw' "$TD/umsbc.conf")"
ans=$(tc reload | head -n 1)
[ "$ans" = "ok reload done" ] || fail "reload with gw2 first answered '$ans'"
tc status | grep -qE '^gw gw1 connected .*connections=1 ' || fail "after renumbering: $(tc status | grep -E '^gw ')"
tc status | grep -qE '^gw gw2 .*connections=0 ' || fail "after renumbering gw2 has gw1's connection: $(tc status | grep -E '^gw ')"
cp "$TD/umsbc.conf.orig" "$TD/umsbc.conf"
ans=$(tc reload | head -n 1)
[ "$ans" = "ok reload done" ] || fail "reload back answered '$ans'"
tc status | grep -qE '^gw gw2 .*connections=0 ' || fail "back in order: $(tc status | grep -E '^gw ')"
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
tc test-connectivity --um um1 --call 4711 >"$TD/c4.out" 2>&1 && fail "--call with um1 down passed: $(cat "$TD/c4.out")"
grep -qE '^call um1 fail transport=udp .* status=none .* bye=none reason="no answer to the INVITE within 4 s \(cancelled\)"$' "$TD/c4.out" ||
  fail "--call, um1 down: $(cat "$TD/c4.out")"
ok "$(grep '^call ' "$TD/c4.out")"
tc test-connectivity --dialplan branch >"$TD/t6.out" 2>&1 && fail "--dialplan branch passed: $(cat "$TD/t6.out")"
grep -qE '^um um1 fail ' "$TD/t6.out" && grep -qE '^gw gw2 fail ' "$TD/t6.out" ||
  fail "--dialplan branch: not um1 and gw2: $(cat "$TD/t6.out")"
ok "--dialplan branch: um1 and gw2 tested, both fail"

assert_alive
stop_umsbcd
finish
