#!/bin/bash
# contrib/demo.sh BUILDDIR -- the umsbc demo (README quick start, command 1).
#
# Runs entirely inside a private network namespace (only `lo`), so nothing
# on the host is touched and the fixed ports 5060/5061 are always free:
#
#   gateway gw1 (baresip, 127.0.0.7: SIP over mutual TLS with client
#   certificate gw1.example.test, SRTP mandatory, plays a 1000 Hz tone)
#     ==TLS/SRTP==> umsbcd outside 127.0.0.1 (5061, media 40000-40999)
#     --UDP/RTP--> umsbcd inside 127.0.0.2 --> legacy UM server (baresip,
#   127.0.0.20:5060, plain SIP and RTP only, answers, plays 400 Hz)
#
# 1. builds a throw-away demo PKI and a demo configuration in a temp dir,
# 2. starts umsbcd in the foreground and the UM server,
# 3. gw1 places a 4 s call; the summary shows the verified TLS peer, the SDP
#    each side got (SRTP with umsbcd's own key outside, plain RTP inside),
#    what the wire carried on each leg (tshark), the tone each end decoded
#    (sox) and umsbcd's end-of-call line,
# 4. then leaves umsbcd running with its log on screen until Ctrl-C, and
#    stops everything it started.
#
# Needs: baresip, sox, openssl, iproute2; optional: tshark (wire verdict).
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
PKI_DAYS=365 write_conf "$TD" 'media = { outside_address = "127.0.0.1"; inside_address = "127.0.0.2"; port_min = 40000; port_max = 40999; };'
echo "  CA     : $(openssl x509 -in "$TD/pki/ca.crt" -noout -subject | sed 's/^subject=//')"
echo "  umsbcd : $(openssl x509 -in "$TD/pki/sbc.crt" -noout -subject | sed 's/^subject=//')  (certs/sbc.pem)"
echo "  gateway: $(openssl x509 -in "$TD/pki/gw1.crt" -noout -subject | sed 's/^subject=//')"
echo "* configuration: $TD/umsbc.conf"
sed -n '/^listen/,/^);/p;/^um_servers/p;/^gateways/,/^);/p;/^media/p' "$TD/umsbc.conf" | sed 's/^/    /'
"$UMSBCD" -t -c "$TD/umsbc.conf" >"$TD/check.out" 2>&1 || { cat "$TD/check.out"; fail "umsbcd -t rejects the demo configuration"; }
echo "  umsbcd -t: configuration OK"

echo "* starting umsbcd -f -c umsbc.conf ..."
start_umsbcd "$TD"
wait_port tcp 127.0.0.1 5061 5 || fail "umsbcd is not listening on 127.0.0.1:5061"
echo "  ready (pid $UMSBCD_PID). Listening:"
ss -Hlntup 2>/dev/null | awk '/umsbcd/ { printf "    %-4s %s\n", $1, $5 }' | sort -u

. "$IT_DIR/baresip.sh"
need baresip sox
echo "* making the tones (sox): gw1 plays 4 s of 1000 Hz, the UM 400 Hz"
sox -n -r 8000 -c 1 -b 16 "$TD/gw.wav" synth 4 sine 1000 vol 0.5 &&
  sox -n -r 8000 -c 1 -b 16 "$TD/um.wav" synth 30 sine 400 vol 0.5 || fail "sox could not make the tones"
route_src 127.0.0.2 127.0.0.20      # the UM's packets to umsbcd leave from its own address
route_src 127.0.0.1 127.0.0.7       # and gw1's from 127.0.0.7 (baresip does not bind them)
HAVE_TSHARK=
if command -v tshark >/dev/null 2>&1 && command -v dumpcap >/dev/null 2>&1; then
  HAVE_TSHARK=1
  capture_start "udp or tcp port 5061"
fi
echo "* starting the legacy UM server (baresip: plain SIP/UDP and RTP, 127.0.0.20:5060) ..."
UM=$TD/um GW=$TD/gw1
bs_config "$UM" 127.0.0.20:5060 "aufile,$TD/um.wav" 21000-21099 "" \
  '<sip:123@127.0.0.20;transport=udp>;regint=0;answermode=auto;audio_codecs=PCMU;outbound="sip:127.0.0.2:5060;transport=udp"'
bs_config "$GW" 127.0.0.7:5060 "aufile,$TD/gw.wav" 20000-20099 "$TD/pki/gw1.pem" \
  '<sip:gw1@gw1.example.test;transport=tls>;regint=0;mediaenc=srtp-mand;audio_codecs=PCMU;outbound="sip:127.0.0.1:5061;transport=tls"'
bs_start "$UM"; UM_PID=$BS_PID
wait_port udp 127.0.0.20 5060 5 || fail "the UM (baresip) did not listen on 127.0.0.20:5060"
echo "* gw1 calls sip:123@sbc.example.test over mutual TLS with SRTP (4 s tone, then BYE) ..."
mark=$(log_mark)
t0=$(now_ms)
bs_start "$GW" '/dial sip:123@sbc.example.test'; GW_PID=$BS_PID
wait_log "$TD/umsbcd.log" 'UMS5001 ' 20 "$mark"
rc=$?
el=$(($(now_ms) - t0))
bs_stop "$GW_PID"; bs_stop "$UM_PID"
[ -n "$HAVE_TSHARK" ] && { sleep 0.3; capture_stop; }

hr
echo " SUMMARY"
hr
echo " listeners (umsbcd):"
ss -Hlntup 2>/dev/null | awk '/umsbcd/ { printf "   %-4s %s\n", $1, $5 }' | sort -u
echo " TLS peer:"
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
  echo "   gw1 -> umsbcd -> UM: call completed in $el ms"
else
  echo "   gw1 -> umsbcd -> UM: the call did not end as expected; see $GW/log and $TD/umsbcd.log"
fi
sdp_lines() { grep -aE '^(c=|m=audio|a=crypto)' | tr -d '\r' | cut -c1-90 | sed 's/^/     /'; }
echo "   gw1 offered (its SIP trace):"
bs_sip_in "$GW" '127\.0\.0\.7:[0-9]+' '^INVITE ' | sdp_lines
echo "   gw1 got back from umsbcd (RTP/SAVP, one a=crypto, umsbcd's own key):"
bs_sip_in "$GW" '127\.0\.0\.1:[0-9]+' '^SIP/2\.0 200' | sdp_lines
echo "   the UM got from umsbcd (RTP/AVP, no key):"
bs_sip_in "$UM" '127\.0\.0\.2:[0-9]+' '^INVITE ' | sdp_lines
if [ -n "$HAVE_TSHARK" ]; then
  echo " media on the wire (tshark; distinct byte values per 160-byte payload: G.711 of a tone ~10, ciphertext ~120):"
  tshark -r "$TD/cap.pcap" -o rtp.heuristic_rtp:TRUE -Y 'rtp.version == 2 && rtp.p_type == 0 && udp.length > 100' \
    -T fields -e ip.src -e udp.srcport -e ip.dst -e rtp.payload -e srtp.enc_payload 2>/dev/null |
  awk -F'\t' '
    function who(a) {
      if (a == "127.0.0.1") return "umsbcd(out)"; if (a == "127.0.0.2") return "umsbcd(in)"
      if (a == "127.0.0.20") return "UM"; if (a == "127.0.0.7") return "gw1"; return a }
    { k = sprintf("%-11s -> %-11s", who($1), who($3)); p = ($4 != "" ? $4 : $5); gsub(":", "", p)
      split("", seen); d = 0
      for (i = 1; i <= 320 && i < length(p); i += 2) { b = substr(p, i, 2); if (!(b in seen)) { seen[b] = 1; d++ } }
      n[k]++; sum[k] += d }
    END { for (k in n) printf "   %s %5d packets, %4.0f distinct bytes => %s\n", k, n[k], sum[k] / n[k],
            (sum[k] / n[k] > 80 ? "SRTP (encrypted)" : "RTP (plain)") }' | sort
fi
echo " what each end heard (sox, decoded audio):"
for e in "UM:$UM:1000" "gw1:$GW:400"; do
  IFS=: read -r name dir want <<<"$e"
  f=$(ls -t "$dir"/dump-*-dec.wav 2>/dev/null | head -n 1)
  if [ -n "$f" ]; then
    echo "   $name: $(sox "$f" -n stat 2>&1 | awk '/^Length/ { l = $NF } /^Rough +frequency/ { f = $NF } END { printf "%.1f s at %s Hz", l, f }') (the other end plays $want Hz)"
  else
    echo "   $name: no audio reached it"
  fi
done
echo " umsbcd's end-of-call line:"
log_since "$mark" | grep -E 'UMS5001' | tail -n 1 | sed 's/^.*UMS5001 /   /' | fold -s -w 100 | sed '2,$s/^/     /'
hr
[ $rc = 0 ] || echo " The call failed; umsbcd keeps running so you can look at its log."
echo " umsbcd keeps running in the foreground; its log follows.  Ctrl-C stops everything."
echo " To talk to it from another shell:  nsenter -t $UMSBCD_PID -n <command>"
echo "   e.g. nsenter -t $UMSBCD_PID -n ss -ltnup"
echo "        nsenter -t $UMSBCD_PID -n baresip -f $GW -e '/dial sip:123@sbc.example.test'"
hr
# tail in the background + `wait`: the builtin returns as soon as SIGINT
# arrives, even when only this shell gets it (e.g. kill -INT from elsewhere)
tail -n +1 -f --pid="$UMSBCD_PID" "$TD/umsbcd.log" &
TAIL_PID=$!
track "$TAIL_PID"
wait "$TAIL_PID"
echo "demo: umsbcd exited"
exit 0
