#!/bin/bash
# contrib/demo.sh BUILDDIR -- the umsbc demo (README quick start, command 1).
#
# Runs entirely inside a private network namespace (only `lo`), so nothing
# on the host is touched and the fixed ports 5060/5061 are always free:
#
#   gateway gw1 (SIPp UAC) --TCP--> stunnel (gw1's TLS stack: client cert
#   gw1.example.test, verifies sbc.example.test) ==mutual TLS==> umsbcd
#   127.0.0.1:5061 --UDP--> legacy UM server (SIPp UAS, 127.0.0.20:5060)
#
# 1. builds a throw-away demo PKI and a demo configuration in a temp dir,
# 2. starts umsbcd in the foreground, the UM server and the gateway's stunnel,
# 3. places one call from the gateway and prints a summary: listeners, the
#    verified TLS peer, the call result and a SIP ladder (tshark, if installed),
# 4. then leaves umsbcd running with its log on screen until Ctrl-C, and
#    stops everything it started.
#
# Needs: sipp (sip-tester), stunnel4, openssl, iproute2; optional: tshark.
# Set IT_KEEP=1 to keep the temp dir (config, PKI, logs, capture) afterwards.
set -u
if [ -z "${UMSBC_IT_NETNS:-}" ]; then
  B=${1:-.}
  [ -d "$B" ] || { echo "usage: $0 BUILDDIR   (the directory where umsbc was built)"; exit 2; }
  UMSBCD=${UMSBCD:-$(cd "$B" && pwd)/proxy/umsbcd}
  [ -x "$UMSBCD" ] || { echo "demo: $UMSBCD not found -- build first (make)"; exit 1; }
  export UMSBCD
fi
IT_LIMIT=0 IT_NAME=demo
. "$(dirname "$0")/../tests/integration/lib.sh"

hr() { printf '%s\n' "------------------------------------------------------------------------------"; }
on_int() {
  trap - INT
  echo
  echo "demo: Ctrl-C -- stopping umsbcd and the peers"
  [ -n "${TAIL_PID:-}" ] && kill "$TAIL_PID" 2>/dev/null
  if [ -n "$UMSBCD_PID" ] && _running "$UMSBCD_PID"; then
    kill -TERM "$UMSBCD_PID"; wait_exit "$UMSBCD_PID" 10 >/dev/null
    grep -E 'UMS102[01]' "$TD/umsbcd.log" | tail -n 2
  fi
  exit 0
}
trap on_int INT

hr
echo " umsbc demo -- all of it runs in a private network namespace on lo"
echo " binary : $UMSBCD"
echo " workdir: $TD"
hr

echo "* building a demo PKI (test CA; gw1, gw2, sbc certificates) ..."
# Demo certificates live a year, so the log shows no expiry warnings.
PKI_DAYS=365 write_conf "$TD"
echo "  CA     : $(openssl x509 -in "$TD/pki/ca.crt" -noout -subject | sed 's/^subject=//')"
echo "  umsbcd : $(openssl x509 -in "$TD/pki/sbc.crt" -noout -subject | sed 's/^subject=//')  (certs/sbc.pem)"
echo "  gateway: $(openssl x509 -in "$TD/pki/gw1.crt" -noout -subject | sed 's/^subject=//')"
echo "* configuration: $TD/umsbc.conf"
sed -n '/^listen/,/^);/p;/^um_servers/p;/^gateways/,/^);/p' "$TD/umsbc.conf" | sed 's/^/    /'
"$UMSBCD" -t -c "$TD/umsbc.conf" >"$TD/check.out" 2>&1 || { cat "$TD/check.out"; fail "umsbcd -t rejects the demo configuration"; }
echo "  umsbcd -t: configuration OK"

echo "* starting umsbcd -f -c umsbc.conf ..."
start_umsbcd "$TD"
wait_port tcp 127.0.0.1 5061 5 || fail "umsbcd is not listening on 127.0.0.1:5061"
echo "  ready (pid $UMSBCD_PID). Listening:"
ss -Hlntup 2>/dev/null | awk '/umsbcd/ { printf "    %-4s %s\n", $1, $5 }' | sort -u

echo "* starting the legacy UM server (SIPp UAS, plain UDP 127.0.0.20:5060) ..."
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -d 1000
echo "* starting gw1's TLS stack (stunnel: 127.0.0.7:15061 -> mutual TLS -> 127.0.0.1:5061) ..."
gw1_tls_client
HAVE_TSHARK=
if command -v tshark >/dev/null 2>&1 && command -v dumpcap >/dev/null 2>&1; then
  HAVE_TSHARK=1
  capture_start "port 5060 or port 5061 or port 15061"
fi

echo "* gw1 calls sip:123@sbc.example.test over mutual TLS (2 s of call, then BYE) ..."
tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"
t0=$(now_ms)
sipp_fg gw1-uac 30 -sf "$TD/uac_tls.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5060 \
  -mi 127.0.0.7 -m 1 -d 2000 -timeout 25s -timeout_error
rc=$?
el=$(($(now_ms) - t0))
[ -n "$HAVE_TSHARK" ] && { sleep 0.3; capture_stop; }

hr
echo " SUMMARY"
hr
echo " listeners (umsbcd):"
ss -Hlntup 2>/dev/null | awk '/umsbcd/ { printf "   %-4s %s\n", $1, $5 }' | sort -u
echo " TLS peer:"
L=$TD/gw1-client.stunnel.log
if grep -q 'Certificate accepted at depth=0' "$L"; then
  echo "   gw1 verified umsbcd: $(grep -oE 'Certificate accepted at depth=0: .*' "$L" | head -n 1)"
  echo "   $(grep -oE 'CERT: Host name .*' "$L" | head -n 1)"
  echo "   $(grep -oE 'TLSv1\.[0-9] ciphersuite: .*' "$L" | head -n 1)"
else
  echo "   gw1's TLS stack did not accept umsbcd's certificate (see $L)"
fi
gwsub=$(openssl x509 -in "$TD/pki/gw1.crt" -noout -subject -nameopt oneline | sed 's/^subject=//')
if grep -qE 'UMS200[12] .*peer=127\.0\.0\.7' "$TD/umsbcd.log"; then
  echo "   umsbcd REFUSED gw1:"
  grep -E 'UMS200[12] .*peer=127\.0\.0\.7' "$TD/umsbcd.log" | head -n 3 | sed 's/^/     /'
else
  echo "   umsbcd verified gw1: client certificate $gwsub"
  echo "     chains to trust/ca.crt, names gw1.example.test (gateway gw1, dial plan \"main\", secured),"
  echo "     and the connection came from 127.0.0.7, one of gw1's addresses -- no UMS2001/UMS2002 logged"
fi
echo " call:"
if [ $rc = 0 ]; then
  echo "   gw1 -> umsbcd -> UM: call completed (INVITE/200/ACK ... BYE/200) in $el ms"
else
  echo "   gw1 -> umsbcd -> UM: call FAILED (SIPp exit status $rc); see $TD/gw1-uac.msg"
fi
echo "   UM server received: $(sip_received "$TD/um-uas.msg" '^INVITE ' | head -n 1)"
echo "   with umsbcd's Via:  $(sip_received "$TD/um-uas.msg" '^INVITE ' | hdr_values Via | head -n 1)"
echo "   Record-Route:       $(sip_received "$TD/um-uas.msg" '^INVITE ' | hdr_values Record-Route | tr '\n' ' ')"
if [ -n "$HAVE_TSHARK" ]; then
  echo " SIP ladder (lo; gw1 <-> its stunnel is plain TCP, stunnel <-> umsbcd is TLS):"
  tshark -r "$TD/cap.pcap" -d tcp.port==15061,sip -d udp.port==5060,sip \
    -Y 'sip || tls.handshake.type == 1 || tls.handshake.type == 2' \
    -T fields -E separator='|' -e frame.time_relative -e ip.src -e tcp.srcport -e udp.srcport \
    -e ip.dst -e tcp.dstport -e udp.dstport -e _ws.col.Protocol -e _ws.col.Info 2>/dev/null |
  awk -F'|' '
    function who(a, p) {
      if (a == "127.0.0.1") return "umsbcd(out)"; if (a == "127.0.0.2") return "umsbcd(in)";
      if (a == "127.0.0.20") return "UM"; if (a == "127.0.0.7" && p == "15061") return "stunnel(gw1)";
      if (a == "127.0.0.7") return (p == 5060 || p == "") ? "gw1" : "gw1/stunnel"; return a }
    { sp = $3 $4; dp = $6 $7; info = $9; sub(/ *\|.*$/, "", info); if (length(info) > 50) info = substr(info, 1, 50)
      printf "   %6.3f  %-13s -> %-13s %-5s %s\n", $1, who($2, sp), who($5, dp), $8, info }' | head -n 60
  echo "   (TLS application data between stunnel and umsbcd is not shown: it is encrypted)"
else
  echo " (install tshark for a SIP ladder)"
fi
hr
[ $rc = 0 ] || echo " The call failed; umsbcd keeps running so you can look at its log."
echo " umsbcd keeps running in the foreground; its log follows.  Ctrl-C stops everything."
echo " To talk to it from another shell:  nsenter -t $UMSBCD_PID -n <command>"
echo "   e.g. nsenter -t $UMSBCD_PID -n ss -ltnup"
echo "        nsenter -t $UMSBCD_PID -n sipp -sf $TD/uac_tls.xml -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -m 1"
hr
# tail in the background + `wait`: the builtin returns as soon as SIGINT
# arrives, even when only this shell gets it (e.g. kill -INT from elsewhere)
tail -n +1 -f --pid="$UMSBCD_PID" "$TD/umsbcd.log" &
TAIL_PID=$!
track "$TAIL_PID"
wait "$TAIL_PID"
echo "demo: umsbcd exited"
exit 0
