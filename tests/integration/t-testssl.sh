#!/bin/bash
# t-testssl.sh -- testssl.sh (Debian's package, /usr/bin/testssl) scans umsbcd's
# TLS port 5061 (issue 12): protocols (-p), cipher categories (-s), forward
# secrecy (-f), server preference and each cipher per protocol (-P -E),
# server defaults (-S) and vulnerabilities (-U). From its JSON findings:
#
#  1. SSLv2, SSLv3, TLS 1.0 and TLS 1.1 are not offered; TLS 1.2 is.
#  2. Every finding is OK, INFO or LOW (DEBUG notes about the scan too): any
#     MEDIUM, HIGH or CRITICAL fails with its id. So does WARN (a check the
#     tool could not make), but for the two explained below.
#  3. Every cipher suite offered (-E) has forward secrecy and an AEAD:
#     ECDHE with AES-GCM or ChaCha20-Poly1305, or a TLS 1.3 suite. testssl
#     rates a suite without either (e.g. AES128-SHA) only LOW, but it is not
#     umsbcd's policy (proxy/tls.c), so a change there fails here.
#  4. The scan produced findings (protocols, ciphers, vulnerabilities and
#     server defaults among them): it cannot pass by finding nothing.
#
# The client certificate. umsbcd demands one (mutual TLS), and Debian 12's
# testssl 3.0.8 has no option to present one (later releases have --mtls). The
# demand does not hide the server's offers: ServerHello (version, cipher,
# extensions) and the server's Certificate come before the client's turn
# (TLS 1.2: before CertificateRequest; TLS 1.3: in the server's first
# flight), so the protocol, cipher and certificate checks see everything even
# without one. It hides what needs a completed handshake: client-initiated
# renegotiation and session resumption ("client x509-based authentication
# prevents this from being tested", WARN). So testssl gets an openssl
# (--openssl) that adds gw1's certificate to every s_client call; those
# handshakes complete and renegotiation is really tried (checked below).
# testssl's own ClientHellos over bash sockets still go without one.
#  testssl cannot choose its source address, so gw1 may also come from
# 127.0.0.1 here: a refused connection (right certificate, wrong address) is
# closed just after the handshake, and an s_client that sees that close exits
# non-zero, which testssl reads as "client authentication": it then skips the
# renegotiation check (seen in CI, 2026-12-07). Admitted, the connection stays
# up until s_client leaves, and the check runs every time.
#  NO_ENGINE: testssl looks for OpenSSL's GOST engine (not in Debian's
# openssl, and not a suite umsbcd would offer) and otherwise files a WARN
# "engine_problem" about its own client, which says nothing about umsbcd
# (whether the JSON file gets it depends on testssl's start-up order).
#  Allowed WARN, from testssl's resumption heuristics meeting a client
# certificate (resumption saves time, it is not a security property):
#   sessionresumption_ID "check failed, pls report": testssl compares bytes
#     read against bytes written; the client certificate makes it write
#     more than it reads, and it gives up;
#   sessionresumption_ticket "check failed because of connect problem": the
#     TLS 1.3 ticket comes after the handshake, s_client (stdin /dev/null)
#     sometimes leaves before it, and the second connection has no session.
# Either check passes on other runs; both are reported in the summary.
#
# The cert_* findings judge the certificate, which the operator's CA issues,
# not umsbcd. So the server certificate here is made like a CA's: a year,
# the right name, a CRL distribution point; testssl trusts the test CA
# (--add-ca) as the gateways do. (A generated self-signed certificate would
# fail chain of trust and revocation here by its nature.)
IT_LIMIT=${IT_LIMIT:-180}
. "$(dirname "$0")/lib.sh"
need testssl python3

say "1. umsbcd with a CA-issued certificate like a real CA's"
PKI_DAYS=400 make_pki "$TD/pki"
CONF_GW1_ADDRESSES='"127.0.0.7", "127.0.0.1"'
write_conf "$TD"
(
	cd "$TD/pki" &&
	openssl req -newkey rsa:2048 -nodes -keyout sbc-crl.key -out sbc-crl.csr \
		-subj "/O=umsbc tests/CN=sbc.example.test" 2>/dev/null &&
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:sbc.example.test" \
		"crlDistributionPoints=URI:http://ca.example.test/umsbc-test-root.crl" >sbc-crl.ext &&
	openssl x509 -req -in sbc-crl.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 \
		-extfile sbc-crl.ext -out sbc-crl.crt 2>/dev/null
) || fail "the test CA did not issue the server certificate"
install -m 600 /dev/null "$TD/certs/sbc.pem"
cat "$TD/pki/sbc-crl.crt" "$TD/pki/sbc-crl.key" >"$TD/certs/sbc.pem"
sha1=$(openssl x509 -in "$TD/pki/sbc-crl.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
start_umsbcd "$TD"
assert_log "UMS1004 certificate in use: .*sha1=$sha1" "the certificate with the CRL distribution point in use"

say "2. testssl against 127.0.0.1:5061 (as sbc.example.test), presenting gw1's certificate"
mkdir -p "$TD/bin"
cat >"$TD/bin/openssl" <<EOF
#!/bin/bash
# testssl 3.0.8 has no --mtls: every s_client presents gw1's certificate.
[ "\$1" = s_client ] && { shift; exec $(command -v openssl) s_client -cert "$TD/pki/gw1.crt" -key "$TD/pki/gw1.key" "\$@"; }
exec $(command -v openssl) "\$@"
EOF
chmod 755 "$TD/bin/openssl"
t0=$(date +%s)
NO_ENGINE=true timeout -k 5 160 testssl --quiet --color 0 --warnings off --nodns none --ip 127.0.0.1 \
	--connect-timeout 5 --openssl-timeout 10 --add-ca "$TD/pki/ca.crt" --openssl "$TD/bin/openssl" \
	--jsonfile "$TD/testssl.json" -p -s -f -P -E -S -U sbc.example.test:5061 >"$TD/testssl.out" 2>&1
rc=$?
# 124 is the timeout; testssl reports its own errors as 242 and up.
[ $rc = 124 ] || [ $rc -ge 242 ] && { tail -n 30 "$TD/testssl.out"; fail "testssl exit status $rc after $(($(date +%s) - t0)) s"; }
[ -s "$TD/testssl.json" ] || { tail -n 30 "$TD/testssl.out"; fail "testssl wrote no JSON findings"; }
ok "testssl finished in $(($(date +%s) - t0)) s (exit status $rc)"

say "3. the findings"
python3 - "$TD/testssl.json" >"$TD/verdict.out" <<'EOF'
import json, re, sys
from collections import Counter

findings = json.load(open(sys.argv[1]))
by_id = {f["id"]: f for f in findings}
bad = []

def need(fid, want):
    f = by_id.get(fid)
    if f is None:
        bad.append(f"{fid}: no such finding (the check did not run)")
    elif not f["finding"].startswith(want):
        bad.append(f"{fid}: '{f['finding']}', expected '{want}'")

if not findings:
    print("FAIL no findings at all")
    sys.exit(1)
for p in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
    need(p, "not offered")
need("TLS1_2", "offered")
# Proof that gw1's certificate got testssl through the handshake.
need("secure_client_renego", "not vulnerable")
# One finding of each part of the scan, or it did not cover that part.
for fid in ("cipherlist_STRONG", "PFS", "cipher_order", "cert_chain_of_trust",
            "heartbleed", "ROBOT", "LUCKY13"):
    if fid not in by_id:
        bad.append(f"{fid}: no such finding (the check did not run)")
if not any(i.startswith("cipher-tls1_2_") for i in by_id):
    bad.append("no per-cipher finding for TLS 1.2 (-E)")
aead_fs = re.compile(r"TLS_ECDHE_(RSA|ECDSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)"
                     r"|TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)")
for f in findings:
    iana = f["finding"].split()[-1] if f["id"].startswith("cipher-tls") else None
    if iana and not aead_fs.fullmatch(iana):
        bad.append(f"{f['id']}: {iana} lacks forward secrecy or an AEAD")
allowed_warn = {"sessionresumption_ID", "sessionresumption_ticket"}
for f in findings:
    s = f["severity"]
    if s in ("MEDIUM", "HIGH", "CRITICAL") or (s in ("WARN", "FATAL") and f["id"] not in allowed_warn):
        bad.append(f"{s} {f['id']}: {f['finding']}")
count = Counter(f["severity"] for f in findings)
print("SUMMARY " + " ".join(f"{k}={v}" for k, v in sorted(count.items())) + f" total={len(findings)}")
print("OFFERED " + " ".join(f"{p}:{by_id[p]['finding']}" for p in
      ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3") if p in by_id))
ciphers = sorted({f["finding"].split()[-1] for f in findings if f["id"].startswith("cipher-")})
print("CIPHERS " + " ".join(ciphers))
for f in findings:
    if f["severity"] == "LOW" or (f["severity"] == "WARN" and f["id"] in allowed_warn):
        print(f"NOTE {f['severity']} {f['id']}: {f['finding']}")
for b in bad:
    print("FAIL " + b)
sys.exit(1 if bad else 0)
EOF
rc=$?
sed 's/^/   /' "$TD/verdict.out"
[ $rc = 0 ] || fail "testssl findings above (FAIL lines); full report: testssl.out, testssl.json"
ok "no protocol below TLS 1.2, nothing rated MEDIUM or above, only ECDHE+AEAD suites"

stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
