#!/bin/bash
# t-certs.sh -- the certificate lifecycle with the real tools (issue 4):
#
#  1. umsbcd started with an empty store generates a self-signed certificate
#     (UMS1008, UMS1004) and serves it: openssl s_client sees that thumbprint,
#     and umsbcctl cert selected names the same one.
#  2. The workflow of the seeds' administrators: umsbcctl cert export gives the
#     gateway our certificate for its trust store; gw1 (stunnel, verifying us)
#     places a call that is held across the next steps.
#  3. umsbcctl cert request -> the test CA signs -> umsbcctl cert import;
#     umsbcctl reload switches new handshakes to the CA-issued
#     certificate (UMS1004 again) while the held call ends normally.
#  4. A gateway certificate from an untrusted CA is still refused after it.
#  5. A gateway's self-signed certificate: refused, then accepted after
#     umsbcctl cert trust + reload, refused again after cert untrust + reload.
#  6. The CA-issued key made readable by others (chmod 644): umsbcctl reload
#     and SIGHUP fail (UMS1011, err) naming the file and chmod 600; the
#     CA-issued certificate is still served, no self-signed one appears, the
#     configuration change that came with it is not applied; after chmod 600
#     the reload succeeds.
#  7. Start-up with that key as the only CA-issued certificate: UMS1009 (err)
#     names the file and chmod 600, a self-signed one is generated (the
#     seeds' order); after chmod 600 a reload switches to the CA-issued one.
#  Along the way: gw1's 30-day test certificate is warned about (UMS2004) once.
. "$(dirname "$0")/lib.sh"
need openssl stunnel
UMSBCCTL=${UMSBCCTL:-$(dirname "$UMSBCD")/../ctl/umsbcctl}
[ -x "$UMSBCCTL" ] || fail "umsbcctl not found: $UMSBCCTL (set UMSBCCTL)"

served_sha1() {  # the SHA-1 of the certificate umsbcd presents now
	timeout 10 openssl s_client -connect 127.0.0.1:5061 -servername sbc.example.test \
		-cert "$TD/pki/gw1.crt" -key "$TD/pki/gw1.key" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha1 2>/dev/null | sed 's/.*=//; s/://g'
}

say "1. empty store: umsbcd generates a self-signed certificate and serves it"
write_conf "$TD"
rm -f "$TD"/certs/*
start_umsbcd "$TD"
assert_log 'UMS1008 no valid certificate' "self-signed certificate generated"
gen_sha1=$(grep -oE 'UMS1004 .*sha1=[0-9A-F]{40}' "$TD/umsbcd.log" | head -n 1 | grep -oE '[0-9A-F]{40}$')
[ -n "$gen_sha1" ] || fail "no UMS1004 line with the thumbprint"
gen_file=$(ls "$TD"/certs/*.pem)
[ "$(stat -c %a "$gen_file")" = 600 ] || fail "generated $gen_file has mode $(stat -c %a "$gen_file")"
[ "$(served_sha1)" = "$gen_sha1" ] || fail "s_client sees $(served_sha1), UMS1004 said $gen_sha1"
"$UMSBCCTL" -c "$TD/umsbc.conf" cert selected >"$TD/selected.out" 2>&1 || fail "umsbcctl cert selected failed: $(cat "$TD/selected.out")"
grep -q "$gen_sha1" "$TD/selected.out" || fail "umsbcctl cert selected does not name $gen_sha1: $(cat "$TD/selected.out")"
ok "generated $gen_sha1 (mode 600), served on 5061, selected by umsbcctl"

say "2. export for the gateway; gw1 verifies us and holds a call"
"$UMSBCCTL" -c "$TD/umsbc.conf" cert export --out "$TD/ours.pem" || fail "umsbcctl cert export failed"
cat "$TD/pki/ca.crt" "$TD/ours.pem" >"$TD/gw1-trust.pem"
stunnel_start gw1-client "[gw1-client]
client = yes
accept = 127.0.0.7:15061
connect = 127.0.0.1:5061
local = 127.0.0.7
cert = $TD/pki/gw1.pem
CAfile = $TD/gw1-trust.pem
verifyChain = yes
checkHost = sbc.example.test"
wait_port tcp 127.0.0.7 15061 5 || fail "stunnel gw1 did not start"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 100
tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"
sipp_bg held-uac -sf "$TD/uac_tls.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5060 \
	-mi 127.0.0.7 -m 1 -d 6000 -timeout 30s -timeout_error
HELD=$SIPP_PID
wait_log "$TD/um-uas.msg" '^ACK ' 10 || fail "the held TLS call was not established"
ok "gw1 trusts our exported certificate; call established over mutual TLS"
# The test PKI issues 30-day certificates: gw1's is inside the warning window.
gw1_sha1=$(openssl x509 -in "$TD/pki/gw1.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
assert_log "UMS2004 peer certificate expires in (29|30) days: peer=127\.0\.0\.[0-9]+:[0-9]+ .*sha1=$gw1_sha1" \
	"gw1's certificate near its end warned about"

say "3. request, CA signs, import, reload: new handshakes get the CA-issued one"
"$UMSBCCTL" -c "$TD/umsbc.conf" cert request --cn sbc.example.test --san sbc.example.test \
	--out "$TD/sbc.csr" >"$TD/request.out" 2>&1 || fail "umsbcctl cert request: $(cat "$TD/request.out")"
openssl req -in "$TD/sbc.csr" -noout -verify 2>&1 | grep -q 'verify OK' || fail "the request does not verify"
printf '%s\n' "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth,clientAuth" \
	"subjectAltName=DNS:sbc.example.test" >"$TD/sbc2.ext"
openssl x509 -req -in "$TD/sbc.csr" -CA "$TD/pki/ca.crt" -CAkey "$TD/pki/ca.key" -CAcreateserial \
	-days 20 -sha256 -extfile "$TD/sbc2.ext" -out "$TD/sbc2.crt" 2>/dev/null || fail "the test CA did not sign"
"$UMSBCCTL" -c "$TD/umsbc.conf" cert import "$TD/sbc2.crt" >"$TD/import.out" 2>&1 || fail "umsbcctl cert import: $(cat "$TD/import.out")"
ca_sha1=$(openssl x509 -in "$TD/sbc2.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
mark=$(log_mark)
ans=$("$UMSBCCTL" -c "$TD/umsbc.conf" reload 2>&1)
[ "$ans" = "ok reload done" ] || fail "umsbcctl reload answered '$ans'"
assert_log "UMS1004 certificate in use: .*sha1=$ca_sha1" "the CA-issued certificate taken into use" "$mark"
[ "$(served_sha1)" = "$ca_sha1" ] || fail "after the reload s_client sees $(served_sha1), expected $ca_sha1"
ok "CA-issued $ca_sha1 imported and served after the reload (CA-issued beats self-signed)"
"$UMSBCCTL" -c "$TD/umsbc.conf" --json status >"$TD/status.json" || fail "umsbcctl status failed"
grep -q "\"certificate\":\"subject=.*sha1=$ca_sha1" "$TD/status.json" || fail "umsbcctl status --json does not show $ca_sha1: $(cat "$TD/status.json")"
grep -qE '"dialplans":\[\{"name":"main","security":"secured"[,}]' "$TD/status.json" || fail "umsbcctl status --json lacks the dial plans: $(cat "$TD/status.json")"
ok "umsbcctl reload and status --json agree: $ca_sha1 in use"
_running "$HELD" || fail "the held call ended during the reload"
wait_exit "$HELD" 20
rc=$?
[ $rc = 0 ] || fail "the call held across the certificate change did not end normally (SIPp $rc)"
ok "the call set up before the reload continued and ended normally"

n=$(grep -c "UMS2004 .*sha1=$gw1_sha1" "$TD/umsbcd.log")
[ "$n" = 1 ] || fail "gw1's certificate warned about $n times (once a day expected)"
ok "gw1's certificate warned about once, not at every handshake"

say "4. an untrusted gateway certificate is still refused"
mark=$(log_mark)
# TLS 1.3: the alert comes after the client's side of the handshake, so wait for it.
o=$(sleep 1 | timeout 10 openssl s_client -connect 127.0.0.1:5061 -cert "$TD/pki/rogue.crt" \
	-key "$TD/pki/rogue.key" 2>&1 | grep -oE 'alert [a-z ]+' | head -n 1)
[ -n "$o" ] || fail "the rogue certificate was not refused"
assert_log 'UMS2001 TLS negotiation failed' "the refusal logged" "$mark"
ok "rogue certificate: $o"

say "5. a gateway's own self-signed certificate: trust, reload, untrust, reload"
tls_alert() {  # the alert gw9 gets on 5061 (empty: handshake accepted)
	sleep 1 | timeout 10 openssl s_client -connect 127.0.0.1:5061 -cert "$TD/gw9.crt" -key "$TD/gw9.key" \
		2>&1 | grep -oE 'alert [a-z ]+' | head -n 1
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 300 -keyout "$TD/gw9.key" \
	-out "$TD/gw9.crt" -subj /CN=gw9.example.test -addext "subjectAltName=DNS:gw9.example.test" \
	-addext "extendedKeyUsage=serverAuth,clientAuth" 2>/dev/null || fail "cannot make gw9's certificate"
[ -n "$(tls_alert)" ] || fail "gw9's self-signed certificate was accepted before it was trusted"
"$UMSBCCTL" -c "$TD/umsbc.conf" cert trust "$TD/gw9.crt" >/dev/null || fail "umsbcctl cert trust failed"
"$UMSBCCTL" -c "$TD/umsbc.conf" cert trusted | grep -q 'CN=gw9.example.test' || fail "umsbcctl cert trusted does not list gw9"
[ "$("$UMSBCCTL" -c "$TD/umsbc.conf" reload 2>&1)" = "ok reload done" ] || fail "reload after trust failed"
a=$(tls_alert)
[ -z "$a" ] || fail "gw9 trusted and reloaded, but its handshake still gets: $a"
ok "gw9 refused until 'umsbcctl cert trust' + reload, then its handshake is accepted"
gw9_sha1=$(openssl x509 -in "$TD/gw9.crt" -noout -fingerprint -sha1 | sed 's/.*=//')
"$UMSBCCTL" -c "$TD/umsbc.conf" cert untrust "$gw9_sha1" >/dev/null || fail "umsbcctl cert untrust failed"
[ "$("$UMSBCCTL" -c "$TD/umsbc.conf" reload 2>&1)" = "ok reload done" ] || fail "reload after untrust failed"
a=$(tls_alert)
[ -n "$a" ] || fail "gw9 untrusted and reloaded, but still accepted"
ok "after 'umsbcctl cert untrust' + reload gw9 is refused again ($a)"

say "6. a key readable by others: the reload fails and the certificate in use stays"
ca_file=
for f in "$TD"/certs/*.pem; do
	[ "$(openssl x509 -in "$f" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')" = "$ca_sha1" ] && ca_file=$f
done
[ -n "$ca_file" ] || fail "no store file holds $ca_sha1"
loose="$ca_file holds a private key but is readable by group or others; fix with: chmod 600 $ca_file"
files=$(ls -A "$TD/certs")
chmod 644 "$ca_file"
# The same reload brings a new dial plan: it must not be applied either.
sed -i 's/^\(  { name = "branch";.*}\)$/\1, { name = "extra"; security = "unsecured"; um_servers = ( "um1" ); }/' "$TD/umsbc.conf"
grep -q '"extra"' "$TD/umsbc.conf" || fail "could not add a dial plan to umsbc.conf"
mark=$(log_mark)
ans=$("$UMSBCCTL" -c "$TD/umsbc.conf" reload 2>&1) && fail "umsbcctl reload succeeded with a loose key: '$ans'"
case $ans in "error "*"$loose"*) ;; *) fail "umsbcctl reload answered '$ans' (expected error naming $ca_file)" ;; esac
assert_log "err UMS1011 reload failed: .*certificate store: .*chmod 600 .*certificate in use kept \(sha1=$ca_sha1\)" \
	"the failed reload logged at error level" "$mark"
[ "$(served_sha1)" = "$ca_sha1" ] || fail "after the failed reload s_client sees $(served_sha1), expected $ca_sha1"
[ "$(ls -A "$TD/certs")" = "$files" ] || fail "the store changed: $(ls -A "$TD/certs" | tr '\n' ' ')"
log_since "$mark" | grep -qE 'UMS100[48]' && fail "the failed reload took or generated a certificate: $(log_since "$mark" | grep -E 'UMS100[48]')"
"$UMSBCCTL" -c "$TD/umsbc.conf" status | grep -q '^dialplan extra' && fail "the failed reload applied the new dial plan"
ok "umsbcctl reload: ${ans:0:140}..."
mark=$(log_mark)
kill -HUP "$UMSBCD_PID"
assert_log "err UMS1011 reload failed: .*chmod 600 " "SIGHUP fails the same way" "$mark" 5
[ "$(served_sha1)" = "$ca_sha1" ] || fail "after SIGHUP s_client sees $(served_sha1), expected $ca_sha1"
[ "$(ls -A "$TD/certs")" = "$files" ] || fail "the store changed after SIGHUP"
ok "the CA-issued $ca_sha1 still served; no file generated; running configuration kept"
chmod 600 "$ca_file"
ans=$("$UMSBCCTL" -c "$TD/umsbc.conf" reload 2>&1)
[ "$ans" = "ok reload done" ] || fail "reload after chmod 600 answered '$ans'"
[ "$(served_sha1)" = "$ca_sha1" ] || fail "after chmod 600 and reload s_client sees $(served_sha1)"
"$UMSBCCTL" -c "$TD/umsbc.conf" status | grep -qE '^dialplan extra unsecured( |$)' || fail "the new dial plan not applied after the good reload"
ok "after chmod 600 the reload succeeds (new dial plan in use, same certificate)"
stop_umsbcd

say "7. start-up with the only CA-issued key readable by others: UMS1009, then generation"
mkdir "$TD/aside"
mv "$TD"/certs/* "$TD/aside/"
cp -p "$TD/aside/${ca_file##*/}" "$ca_file"
chmod 644 "$ca_file"
start_umsbcd "$TD"
assert_log "err UMS1009 certificate store $TD/certs: $loose; not used, and reloads fail until this is fixed" \
	"start-up names the loose key at error level"
assert_log 'notice UMS1008 no valid certificate' "a self-signed certificate generated (the seeds' order)"
[ "$(served_sha1)" != "$ca_sha1" ] || fail "the loose key's certificate is served"
"$UMSBCD" -t -c "$TD/umsbc.conf" >"$TD/check.out" 2>&1 || fail "umsbcd -t failed: $(cat "$TD/check.out")"
grep -qF "warning: $loose" "$TD/check.out" || fail "umsbcd -t does not warn about the loose key: $(cat "$TD/check.out")"
ok "umsbcd -t warns: $(grep -F warning: "$TD/check.out" | cut -c1-120)..."
chmod 600 "$ca_file"
mark=$(log_mark)
ans=$("$UMSBCCTL" -c "$TD/umsbc.conf" reload 2>&1)
[ "$ans" = "ok reload done" ] || fail "reload after chmod 600 answered '$ans'"
assert_log "UMS1004 certificate in use: .*sha1=$ca_sha1" "the CA-issued certificate taken into use" "$mark"
[ "$(served_sha1)" = "$ca_sha1" ] || fail "after chmod 600 and reload s_client sees $(served_sha1), expected $ca_sha1"
ok "after chmod 600 a reload serves the CA-issued $ca_sha1 again"

stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
