#!/bin/bash
# t-media-srtp.sh -- real media through umsbcd: SRTP on the secured gateway
# leg, plain RTP on the sip-secured and unsecured ones and on the inside, with
# baresip (1.0.0) as gateways and UM.
#
#   gw1 = baresip 127.0.0.7 (secured dial plan "main"): SIP over mutual TLS
#         (client certificate gw1.pem) to umsbcd 127.0.0.1:5061, its own TLS
#         listener 127.0.0.7:5061, mediaenc=srtp-mand, plays 1000 Hz
#   gw2 = baresip 127.0.0.8 (unsecured dial plan "branch"): plain UDP
#         127.0.0.8:5060 -> 127.0.0.1:5060, plain RTP, plays 1000 Hz
#   gw3 = baresip 127.0.0.9 (sip-secured dial plan "tls", added here with
#         CONF_EXTRA_DIALPLANS/CONF_EXTRA_GATEWAYS; certificate gw3.pem from
#         pki_add): SIP over mutual TLS to umsbcd 127.0.0.1:5061 like gw1, but
#         no mediaenc: plain RTP/AVP, plays 1000 Hz
#   um1 = baresip 127.0.0.20:5060/udp, no mediaenc (a legacy UM server: plain
#         RTP/AVP only), account sip:123@, plays 400 Hz
#   umsbcd media: outside 127.0.0.1, inside 127.0.0.2, ports 40000-40999
#
# (1) gw1 dials sip:123@sbc.example.test (gw1 hangs up after its 6 s tone:
#     time for the forged packets below to land well inside the call)
# (2) the UM dials sip:gw1@gw1.example.test; umsbcd opens TLS to gw1, offers
#     it SRTP (the UM hangs up after its 3 s tone)
# (3) gw2 dials sip:123@sbc.example.test, all plain
# (4) gw3 dials sip:123@sbc.example.test over TLS; media plain on both legs,
#     relayed through umsbcd (gw3 hangs up after its 3 s tone)
#
# Checks per call: each end's *decoded* audio (baresip's sndfile dumps) has
# the other end's tone; on the wire (dumpcap on lo) the outside leg
# (gateway <-> 127.0.0.1) is SRTP (secured: every packet ciphertext-like,
# tag after the 160 bytes, no payload equal to a plain one) or plain RTP
# whose payload decodes to the tone (sip-secured, unsecured) and the inside
# leg (127.0.0.2 <-> 127.0.0.20) is plain RTP whose payload decodes to the
# tone; no packet goes between gateway and UM directly; the SDP the UM gets
# is RTP/AVP, no a=crypto, c= 127.0.0.2, an umsbcd port, no gateway address;
# the SDP a TLS gateway gets (baresip's SIP trace: the wire is TLS) is, for
# gw1, RTP/SAVP, c= 127.0.0.1, with umsbcd's a=crypto (one line, the
# strongest gw1 offered, in an answer; our six suites in order in an
# offer), for gw3 RTP/AVP, c= 127.0.0.1, no a=crypto; gw3's SIP went over
# TLS to 127.0.0.1:5061 only (its trace; no UDP SIP from it on the wire) and
# it did not enable SRTP; umsbcd logs the end of every call (UMS5001:
# call-id, gateway, mode -- secured, secured, unsecured, sip-secured --,
# suite, packets per leg); SIGTERM stops it cleanly.
# Call 1 also forges plaintext RTP and RTCP from gw1's address, ports and
# SSRC: umsbcd must relay none of it (and count the RTP as authentication
# failures), and it must never send plain RTCP to gw1.
#
# Two baresip 1.0.0 facts that shape this test:
#  * it sends RTP from a wildcard (0.0.0.0) socket and opens its TCP/TLS
#    connections without binding them, although its SDP and Via say the
#    net_interface address; the kernel would pick 127.0.0.1 as source.  In
#    this private netns the local routes towards umsbcd's addresses get a
#    preferred source instead (route_src): packets to 127.0.0.1 leave from
#    the current call's gateway's address, packets to 127.0.0.2 from
#    127.0.0.20.
#    umsbcd itself binds its sockets, so it is not affected.
#  * -t N and SIGTERM are graceful (it may wait for SIP transactions):
#    bs_stop sends KILL when TERM is not enough.
IT_LIMIT=${IT_LIMIT:-110}  # ~30 s alone (~24 s without call 4); 65 s seen with four runs at once on 2 cores
. "$(dirname "$0")/lib.sh"
need baresip sox dumpcap tshark perl python3

# ---------------------------------------------------------------------------
# helpers (baresip peers, routes, audio and RTP verdicts)
# ---------------------------------------------------------------------------
. "$IT_DIR/baresip.sh"

# bs_wait DIR REGEX SECS WHAT : wait for a baresip log line
bs_wait() {
  local i n=$(($3 * 20))
  for ((i = 0; i < n; i++)); do
    bs_log "$1" | grep -qaE -- "$2" && return 0
    [ -n "${UMSBCD_PID:-}" ] && ! _running "$UMSBCD_PID" && mfail "$4: umsbcd is no longer running"
    sleep 0.05
  done
  mfail "$4: no line matching /$2/ in ${1#"$TD"/}/log within $3 s"
}

# bs_answered DIR WHAT : the caller's call is answered (fails at once when
# it is refused or closed instead)
bs_answered() {
  bs_wait "$1" 'Call established|terminated|session closed' 8 "$2"
  bs_log "$1" | grep -qa 'Call established' ||
    mfail "$2: the call was not established: $(bs_log "$1" | grep -aE 'terminated|session closed' | head -n 1)"
}

# bs_summary DIR : the interesting lines of a baresip log
bs_summary() {
  echo "----- baresip ${1#"$TD"/}"
  bs_log "$1" | grep -aE 'ready|connecting|Call established|SRTP|srtp|crypto:|receiving from|terminated|closed|error|Error|SIP/2\.0 [3-6]|Not Acceptable|rtp:' |
    grep -v '^a=fmtp' | head -n 25
}

# mfail MSG : fail, showing the baresip logs of the current call too
BS_DIRS=()
mfail() {
  local d
  for d in "${BS_DIRS[@]:-}"; do [ -n "$d" ] && bs_summary "$d"; done
  fail "$@"
}

# call_id DIR : the Call-ID of the INVITE in a baresip trace
call_id() {
  bs_log "$1" | awk '/^INVITE sip:/ { f = 1 } f && tolower($0) ~ /^call-id:/ { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print; exit }'
}

# tone_check WAV HZ WHAT : the audio in WAV lasts >= 1.5 s, is not silence
# and its rough frequency is HZ +- 10 %
tone_check() {
  local st len rms fr
  [ -s "$1" ] || mfail "$3: no decoded-audio dump ($1): no media reached this end"
  st=$(sox "$1" -n stat 2>&1)
  len=$(awk '/^Length/ { print $NF }' <<<"$st")
  rms=$(awk '/^RMS +amplitude/ { print $NF }' <<<"$st")
  fr=$(awk '/^Rough +frequency/ { print $NF }' <<<"$st")
  awk -v l="$len" -v r="$rms" -v f="$fr" -v h="$2" \
    'BEGIN { exit !(l >= 1.5 && r >= 0.05 && f >= h * 0.9 && f <= h * 1.1) }' ||
    mfail "$3: decoded audio ${1#"$TD"/}: length ${len}s, RMS $rms, rough frequency ${fr} Hz (expected >= 1.5 s of ~$2 Hz)"
  ok "$3: ${len}s at ${fr} Hz (RMS $rms)"
}

# rtp_dump : every RTP (PCMU, pt 0) packet of cap.pcap -> $TD/rtp.tsv
# (time, src, sport, dst, dport, payload hex, UDP length).  tshark's RTP
# heuristic finds the streams whose SDP it cannot see (SIP over TLS); for
# SRTP the "payload" is the ciphertext (plus the authentication tag when
# tshark did not see the SDP: the UDP length tells the tag in any case).
# The plaintext probes injected in call 1 are left out (checked apart).
rtp_dump() {
  tshark -r "$TD/cap.pcap" -o rtp.heuristic_rtp:TRUE -Y 'rtp.version == 2 && rtp.p_type == 0 && udp.length > 100 && !(frame contains "UMSBC-PLAINTEXT-PROBE")' \
    -T fields -e frame.time_relative -e ip.src -e udp.srcport -e ip.dst -e udp.dstport \
    -e rtp.payload -e srtp.enc_payload -e udp.length 2>/dev/null |
    awk -F'\t' -v OFS='\t' '{ p = ($6 != "" ? $6 : $7); gsub(":", "", p); print $1, $2, $3, $4, $5, p, $8 }' >"$TD/rtp.tsv"
}

# leg NAME SRC SPORT-MIN SPORT-MAX DST DPORT-MIN DPORT-MAX : the packets of
# one direction -> $TD/NAME.leg (payload hex, one a line); sets LEG_N
# (packets), LEG_LEN (RTP payload bytes, an SRTP tag included, of the first:
# UDP length - 8 - the 12-byte RTP header), LEG_DISTINCT (mean number of
# distinct byte values per payload), LEG_LOW (payloads with fewer than 60
# distinct byte values: G.711 of a tone has ~5-20, ciphertext ~120 of 160),
# LEG_UNIQ (different payloads)
leg() {
  local n=$1
  awk -F'\t' -v s="$2" -v s0="$3" -v s1="$4" -v d="$5" -v d0="$6" -v d1="$7" -v OFS='\t' \
    '$2 == s && $3 >= s0 && $3 <= s1 && $4 == d && $5 >= d0 && $5 <= d1 { print $6, $7 }' \
    "$TD/rtp.tsv" >"$TD/$n.tsv"
  cut -f1 "$TD/$n.tsv" >"$TD/$n.leg"
  read -r LEG_N LEG_LEN LEG_DISTINCT LEG_UNIQ LEG_LOW < <(awk -F'\t' '
    { n++; if (n == 1) len = $2 - 20
      if (!($1 in u)) { u[$1] = 1; nu++ }
      split("", seen); k = 0
      for (i = 1; i <= length($1); i += 2) { b = substr($1, i, 2); if (!(b in seen)) { seen[b] = 1; k++ } }
      sum += k; if (k < 60) low++ }
    END { printf "%d %d %.0f %d %d\n", n, len, (n ? sum / n : 0), nu, low }' "$TD/$n.tsv")
}

# leg_hz NAME : rough frequency of the leg's payloads decoded as G.711 u-law
leg_hz() {
  perl -ne 'chomp; print pack("H*", $_)' "$TD/$1.leg" >"$TD/$1.ul"
  sox -t ul -r 8000 -c 1 "$TD/$1.ul" -n stat 2>&1 | awk '/^Rough +frequency/ { print $NF }'
}

# leg_plain WHAT NAME SRC SPORTS DST DPORTS HZ : plain RTP carrying G.711 of
# the HZ tone: >= 50 packets, 160-byte payloads (no SRTP tag), low byte
# diversity in every packet, and the payloads decode to ~HZ
leg_plain() {
  local what=$1 n=$2 hz
  leg "$n" "$3" "${4%-*}" "${4#*-}" "$5" "${6%-*}" "${6#*-}"
  [ "$LEG_N" -ge 50 ] || mfail "$what: $LEG_N RTP packets $3:$4 -> $5:$6 on the wire (expected >= 50: media not relayed)"
  hz=$(leg_hz "$n")
  awk -v l="$LEG_LEN" -v d="$LEG_DISTINCT" -v f="$hz" -v h="$7" \
    -v n="$LEG_N" -v lo="$LEG_LOW" 'BEGIN { exit !(l == 160 && d < 50 && lo == n && f >= h * 0.9 && f <= h * 1.1) }' ||
    mfail "$what: $3:$4 -> $5:$6 is not the plain G.711 tone: $LEG_N packets, payload ${LEG_LEN} B, $LEG_DISTINCT distinct byte values/packet ($LEG_LOW packets < 60), $LEG_UNIQ different payloads, decodes to ${hz:-?} Hz (expected 160 B, < 50 distinct, all packets < 60, ~$7 Hz)"
  ok "$what: plain RTP, $LEG_N pkts, ${LEG_LEN} B, $LEG_DISTINCT distinct bytes/pkt, $LEG_UNIQ different payloads, decodes to $hz Hz"
}

# leg_srtp WHAT NAME SRC SPORTS DST DPORTS : SRTP: >= 50 packets, payload
# longer than 160 B (authentication tag), ciphertext-like byte diversity in
# every packet, (almost) every payload different, and not one payload equal
# to a plain payload seen on an inside leg (*-in-*.leg, checked before)
leg_srtp() {
  local what=$1 n=$2 same
  leg "$n" "$3" "${4%-*}" "${4#*-}" "$5" "${6%-*}" "${6#*-}"
  [ "$LEG_N" -ge 50 ] || mfail "$what: $LEG_N RTP packets $3:$4 -> $5:$6 on the wire (expected >= 50: media not relayed)"
  same=$(awk 'FNR == NR { plain[substr($0, 1, 320)] = 1; next } (substr($0, 1, 320) in plain) { c++ } END { print c + 0 }' \
    <(cat "$TD"/*-in-*.leg 2>/dev/null) "$TD/$n.leg")
  awk -v l="$LEG_LEN" -v d="$LEG_DISTINCT" -v n="$LEG_N" -v u="$LEG_UNIQ" -v s="$same" -v lo="$LEG_LOW" \
    'BEGIN { exit !(l > 160 && d > 80 && lo == 0 && u >= n * 0.95 && s == 0) }' ||
    mfail "$what: $3:$4 -> $5:$6 does not look like SRTP: $LEG_N packets, payload ${LEG_LEN} B, $LEG_DISTINCT distinct byte values/packet, $LEG_LOW plaintext-like packet(s) (< 60 distinct), $LEG_UNIQ different payloads, $same payload(s) equal to an inside leg's plain payload (expected > 160 B, > 80 distinct, 0 plaintext-like, all different, 0)"
  ok "$what: SRTP, $LEG_N pkts, ${LEG_LEN} B (160 + tag), $LEG_DISTINCT distinct bytes/pkt, $LEG_UNIQ different payloads, none equal to the plain ones"
}

# inject < LINES : send UDP datagrams with a forged source (raw socket: the
# real peer holds that port), one per line "SRC-IP SRC-PORT DST-IP DST-PORT
# HEX", 10 ms apart, all from one process (quick even on a loaded machine)
inject() {
  python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for line in sys.stdin:
    src, sport, dst, dport, data = line.split()
    data = bytes.fromhex(data)
    udp = struct.pack("!HHHH", int(sport), int(dport), 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
    time.sleep(0.01)
' || fail "inject: could not send raw UDP datagrams"
}

# plain_rtcp SRC DST : datagrams SRC -> DST that parse as plain (unencrypted)
# RTCP: a compound of version-2 packets of type 200-206 whose length fields
# add up to exactly the datagram (SRTCP carries an index and a tag after it)
plain_rtcp() {
  tshark -r "$TD/cap.pcap" -Y "udp && ip.src == $1 && ip.dst == $2" -T fields -e udp.payload 2>/dev/null |
    awk 'function byte(o) { return hex[substr($0, 2 * o + 1, 1)] * 16 + hex[substr($0, 2 * o + 2, 1)] }
      BEGIN { for (i = 0; i < 16; i++) hex[substr("0123456789abcdef", i + 1, 1)] = i }
      { gsub(":", ""); $0 = tolower($0); n = length($0) / 2; o = 0; k = 0
        while (o + 4 <= n) {
          if (int(byte(o) / 64) != 2 || byte(o + 1) < 200 || byte(o + 1) > 206) break
          o += (byte(o + 2) * 256 + byte(o + 3) + 1) * 4; k++ }
        if (k > 0 && o == n) c++ }
      END { print c + 0 }'
}

# no_direct A B WHAT : not one UDP packet between A and B (media is anchored)
no_direct() {
  local c
  c=$(tshark_count "udp && ip.addr == $1 && ip.addr == $2")
  [ "$c" = 0 ] || mfail "$3: $c UDP packet(s) went directly between $1 and $2 (umsbcd must anchor the media)"
}

# sdp_inside CALLID WHAT : the SDP umsbcd sent to the UM (127.0.0.20:5060)
# in the dialog CALLID, from the capture: RTP/AVP, no a=crypto, every c= is
# 127.0.0.2, the m= port is one of umsbcd's, no gateway address anywhere
# (o= included)
sdp_inside() {
  local rows
  rows=$(tshark -r "$TD/cap.pcap" -d udp.port==5060,sip -Y "sip.Call-ID == \"$1\" && ip.src == 127.0.0.2 && ip.dst == 127.0.0.20 && sdp" \
    -T fields -E occurrence=a -E aggregator='|' -e frame.number -e sdp.connection_info -e sdp.media -e sdp.media_attr -e sdp.owner 2>/dev/null)
  [ -n "$rows" ] || mfail "$2: no SDP from umsbcd to the UM in dialog $1 in the capture"
  printf '%s\n' "$rows" | awk -F'\t' '
    { nc = split($2, c, "|"); for (i = 1; i <= nc; i++) if (c[i] != "IN IP4 127.0.0.2") bad = bad " c=" c[i]
      nm = split($3, m, "|")
      for (i = 1; i <= nm; i++) { split(m[i], f, " ")
        if (f[3] != "RTP/AVP") bad = bad " m=" m[i]
        if (f[2] < 40000 || f[2] > 40999) bad = bad " port " f[2] " not in 40000-40999" }
      if ($4 ~ /crypto/) bad = bad " a=crypto present"
      if ($0 ~ /127\.0\.0\.(7|8|9)([^0-9]|$)/) bad = bad " a gateway address in the SDP"
      if (nc == 0) bad = bad " no c= line" }
    END { if (bad != "") { print bad; exit 1 } }' >"$TD/sdp_bad.txt" ||
    mfail "$2: SDP to the UM is wrong:$(cat "$TD/sdp_bad.txt") -- frames: $(printf '%s\n' "$rows" | tr '\t\n' '  ')"
  ok "$2: $(printf '%s\n' "$rows" | head -n 1 | awk -F'\t' '{ print "m=" $3 ", c=" $2 ", no a=crypto (o=" $5 ")" }')"
}

# sdp_gw DIR FROM-RE START-RE PROFILE NCRYPTO SUITES-RE WHAT : the SDP a
# baresip gateway received from umsbcd (its SIP trace): PROFILE (RTP/SAVP,
# RTP/AVP), c= 127.0.0.1, an umsbcd port, exactly NCRYPTO a=crypto lines
# whose suites, joined by spaces, match SUITES-RE
sdp_gw() {
  local msg m c cr suites
  msg=$(bs_sip_in "$1" "$2" "$3")
  [ -n "$msg" ] || mfail "$7: ${1#"$TD"/}'s SIP trace has no message /$3/ from $2"
  m=$(printf '%s\n' "$msg" | grep -a '^m=audio' | tr -d '\r')
  c=$(printf '%s\n' "$msg" | grep -a '^c=' | tr -d '\r' | sort -u | tr '\n' ' ')
  cr=$(printf '%s\n' "$msg" | grep -ac '^a=crypto:')
  suites=$(printf '%s\n' "$msg" | grep -a '^a=crypto:' | awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }')
  printf '%s\n' "$m" | grep -qE "^m=audio 40[0-9]{3} $4 " &&
    [ "$c" = "c=IN IP4 127.0.0.1 " ] && [ "$cr" = "$5" ] && printf '%s\n' "$suites" | grep -qE -- "^($6)\$" ||
    mfail "$7: SDP at ${1#"$TD"/}: '$m', '$c', $cr a=crypto line(s): '$suites' (expected $4 on an umsbcd port, c=IN IP4 127.0.0.1, $5 a=crypto /$6/)"
  ok "$7: $m, ${c% }, $cr a=crypto${suites:+ ($suites)}"
}

# call_end MARK WHAT : umsbcd logs the end of the call (UMS5001, see
# docs/EVENTS.md) after log line MARK; the line -> CALL_END_LINE
END_RE='UMS5001 call ended: '
call_end() {
  wait_log "$TD/umsbcd.log" "$END_RE" 10 "$1" ||
    mfail "$2: umsbcd logged no end-of-call line /$END_RE/ within 10 s after the call"
  CALL_END_LINE=$(log_since "$1" | grep -E -- "$END_RE" | tail -n 1)
  ok "$2: ${CALL_END_LINE#*]: }"
}

# kv LINE KEY : the value of KEY=value in a log line (empty when absent)
kv() { printf '%s\n' "$1" | grep -oE "(^| )$2=[^ ]*" | head -n 1 | sed -E "s/^ ?$2=//"; }

# end_check LINE CALLID GATEWAY MODE SUITE AUTH-MIN AUTH-MAX WHAT : the
# end-of-call line names the call, its gateway, mode and SRTP suite, counts
# >= 50 packets each way on both legs, no SRTP replay, and between AUTH-MIN
# and AUTH-MAX SRTP authentication failures
end_check() {
  local l=$1 k v bad=
  [ "$(kv "$l" call-id)" = "$2" ] || bad="$bad call-id (expected $2)"
  [ "$(kv "$l" gateway)" = "$3" ] || bad="$bad gateway (expected $3)"
  [ "$(kv "$l" mode)" = "$4" ] || bad="$bad mode (expected $4)"
  [ "$(kv "$l" suite)" = "$5" ] || bad="$bad suite (expected $5)"
  for k in outside_pkts_in outside_pkts_out inside_pkts_in inside_pkts_out; do
    v=$(kv "$l" $k)
    [ -n "$v" ] && [ "$v" -ge 50 ] 2>/dev/null || bad="$bad $k=${v:-missing} (expected >= 50)"
  done
  v=$(kv "$l" srtp_replays)
  [ "$v" = 0 ] || bad="$bad srtp_replays=${v:-missing} (expected 0)"
  v=$(kv "$l" srtp_auth_failures)
  [ -n "$v" ] && [ "$v" -ge "$6" ] 2>/dev/null && [ "$v" -le "$7" ] ||
    bad="$bad srtp_auth_failures=${v:-missing} (expected $6..$7)"
  [ -z "$bad" ] || mfail "$8: end-of-call line wrong:$bad -- ${l#*]: }"
  ok "$8: call-id, gateway $3, mode $4, suite $5, >= 50 packets each way on both legs, $(kv "$l" srtp_auth_failures) SRTP authentication failure(s), no replay"
}

# ---------------------------------------------------------------------------
say "umsbcd with media anchoring (outside 127.0.0.1, inside 127.0.0.2, ports 40000-40999)"
MEDIA='media = { outside_address = "127.0.0.1"; inside_address = "127.0.0.2"; port_min = 40000; port_max = 40999;
  timeout = 10; hold_timeout = 60;
  srtp_suites = ( "AEAD_AES_256_GCM", "AEAD_AES_128_GCM", "AES_256_CM_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_80",
                  "AES_256_CM_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32" ); };'
OUR_SUITES='AEAD_AES_256_GCM AEAD_AES_128_GCM AES_256_CM_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_32'
# gw3: a sip-secured dial plan (TLS signaling, plain media) with its own
# certificate from the test CA
CONF_EXTRA_DIALPLANS=', { name = "tls"; security = "sip-secured"; um_servers = ( "um1" ); }'
CONF_EXTRA_GATEWAYS=', { name = "gw3"; fqdn = "gw3.example.test"; addresses = ( "127.0.0.9" ); port = 5061; dialplan = "tls"; }'
pki_add "$TD/pki" gw3
write_conf "$TD" "$MEDIA"
start_umsbcd "$TD"
media_io_check
wait_port tcp 127.0.0.1 5061 5 && wait_port udp 127.0.0.1 5060 5 && wait_port udp 127.0.0.2 5060 5 ||
  fail "umsbcd not listening on tls 127.0.0.1:5061, udp 127.0.0.1:5060 and udp 127.0.0.2:5060"
ok "umsbcd ready (pid $UMSBCD_PID)"

# the tones: a caller's file is the call (baresip hangs up at its end), a
# callee's file outlasts it
sox -n -r 8000 -c 1 -b 16 "$TD/gw-3s.wav" synth 3 sine 1000 vol 0.5 &&
  sox -n -r 8000 -c 1 -b 16 "$TD/gw-6s.wav" synth 6 sine 1000 vol 0.5 &&
  sox -n -r 8000 -c 1 -b 16 "$TD/gw-20s.wav" synth 20 sine 1000 vol 0.5 &&
  sox -n -r 8000 -c 1 -b 16 "$TD/um-3s.wav" synth 3 sine 400 vol 0.5 &&
  sox -n -r 8000 -c 1 -b 16 "$TD/um-20s.wav" synth 20 sine 400 vol 0.5 || fail "sox could not make the tones"

route_src 127.0.0.2 127.0.0.20      # the UM's RTP to umsbcd's inside address
route_src 127.0.0.1 127.0.0.7       # gw1's RTP and TLS to umsbcd's outside address
capture_start "udp"

UM_ACC='<sip:123@127.0.0.20;transport=udp>;regint=0;answermode=auto;audio_codecs=PCMU;outbound="sip:127.0.0.2:5060;transport=udp"'
GW1_ACC='<sip:gw1@gw1.example.test;transport=tls>;regint=0;answermode=auto;mediaenc=srtp-mand;audio_codecs=PCMU;outbound="sip:127.0.0.1:5061;transport=tls"'
GW2_ACC='<sip:gw2@gw2.example.test;transport=udp>;regint=0;answermode=auto;audio_codecs=PCMU;outbound="sip:127.0.0.1:5060;transport=udp"'
GW3_ACC='<sip:gw3@gw3.example.test;transport=tls>;regint=0;answermode=auto;audio_codecs=PCMU;outbound="sip:127.0.0.1:5061;transport=tls"'

# ---------------------------------------------------------------------------
say "call 1: gw1 (TLS, SRTP) -> umsbcd -> um1 (UDP, RTP); gw1 hangs up after 6 s"
C1_UM=$TD/c1-um C1_GW=$TD/c1-gw1
bs_config "$C1_UM" 127.0.0.20:5060 "aufile,$TD/um-20s.wav" 21000-21099 "" "$UM_ACC"
bs_config "$C1_GW" 127.0.0.7:5060 "aufile,$TD/gw-6s.wav" 20000-20099 "$TD/pki/gw1.pem" "$GW1_ACC"
BS_DIRS=("$C1_GW" "$C1_UM")
m1=$(log_mark)
bs_start "$C1_UM"; um=$BS_PID
bs_wait "$C1_UM" 'baresip is ready' 5 "UM baresip"
wait_port udp 127.0.0.20 5060 5 || mfail "UM baresip not listening on udp 127.0.0.20:5060"
bs_start "$C1_GW" '/dial sip:123@sbc.example.test'; gw=$BS_PID
bs_answered "$C1_GW" "call 1 answered at gw1"
bs_wait "$C1_UM" 'Call established' 2 "call 1 established at the UM"
ok "call 1 established on both ends"
# Plaintext forged as gw1's (its address, ports and SSRC) while the call
# runs: umsbcd must not relay to the UM what does not authenticate.
sleep 0.5                                   # let some of the tone flow first
offer=$(bs_sip_in "$C1_GW" '127\.0\.0\.7:[0-9]+' '^INVITE ')   # what gw1 sent
answer=$(bs_sip_in "$C1_GW" '127\.0\.0\.1:[0-9]+' '^SIP/2\.0 200')
gport=$(printf '%s\n' "$offer" | awk '/^m=audio/ { print $2; exit }')
gssrc=$(printf '%s\n' "$offer" | awk -F'[: ]' '/^a=ssrc:/ { print $2; exit }')
sport=$(printf '%s\n' "$answer" | awk '/^m=audio/ { print $2; exit }')
[ -n "$gport" ] && [ -n "$gssrc" ] && [ -n "$sport" ] ||
  mfail "call 1: cannot read gw1's port/SSRC or umsbcd's port from gw1's SIP trace"
MARK=$(printf 'UMSBC-PLAINTEXT-PROBE-' | od -An -tx1 | tr -d ' \n')    # 22 bytes
PAYLOAD=$(printf "$MARK%.0s" 1 2 3 4 5 6 7 8 | cut -c1-320)               # 160 bytes
PROBES=5
for ((i = 0; i < PROBES; i++)); do
  # RTP: V=2, PT 0, seq, timestamp, gw1's SSRC, 160 bytes of marker
  echo "127.0.0.7 $gport 127.0.0.1 $sport $(printf '8000%04x%08x%08x' $((60000 + i)) $((i * 160)) "$gssrc")$PAYLOAD"
  # RTCP APP "PROB" (56 bytes: length field 13) with the marker twice
  echo "127.0.0.7 $((gport + 1)) 127.0.0.1 $((sport + 1)) $(printf '80cc000d%08x' "$gssrc")50524f42$MARK$MARK"
done | inject
ok "call 1: injected $PROBES plain RTP and $PROBES plain RTCP packets as gw1 ($gport/$((gport + 1)) -> umsbcd $sport/$((sport + 1)), SSRC $gssrc)"
bs_wait "$C1_GW" 'terminated' 10 "call 1: gw1 hangs up after its tone"
bs_wait "$C1_UM" 'terminated|session closed' 5 "call 1: the UM got gw1's BYE"
bs_log "$C1_GW" | grep -qaE 'SRTP is Enabled' || mfail "call 1: baresip gw1 did not enable SRTP"
ok "call 1 ended on both ends; gw1: $(bs_log "$C1_GW" | grep -aoE 'SRTP is Enabled.*' | head -n 1)"
C1_CID=$(call_id "$C1_UM")
bs_stop "$gw"; bs_stop "$um"
call_end "$m1" "call 1: end-of-call log line"
C1_END=$CALL_END_LINE

# ---------------------------------------------------------------------------
say "call 2: um1 -> umsbcd -> gw1 (umsbcd opens TLS to 127.0.0.7:5061, offers SRTP); the UM hangs up after 3 s"
C2_UM=$TD/c2-um C2_GW=$TD/c2-gw1
bs_config "$C2_UM" 127.0.0.20:5060 "aufile,$TD/um-3s.wav" 21100-21199 "" "$UM_ACC"
bs_config "$C2_GW" 127.0.0.7:5060 "aufile,$TD/gw-20s.wav" 20100-20199 "$TD/pki/gw1.pem" "$GW1_ACC"
BS_DIRS=("$C2_GW" "$C2_UM")
m2=$(log_mark)
bs_start "$C2_GW"; gw=$BS_PID
bs_wait "$C2_GW" 'baresip is ready' 5 "gw1 baresip"
wait_port tcp 127.0.0.7 5061 5 || mfail "gw1 baresip not listening on tls 127.0.0.7:5061"
bs_start "$C2_UM" '/dial sip:gw1@gw1.example.test'; um=$BS_PID
bs_answered "$C2_UM" "call 2 answered (UM side)"
bs_wait "$C2_GW" 'Call established' 2 "call 2 established at gw1"
ok "call 2 established on both ends"
bs_wait "$C2_UM" 'terminated' 10 "call 2: the UM hangs up after its tone"
bs_wait "$C2_GW" 'terminated|session closed' 5 "call 2: gw1 got the UM's BYE"
bs_log "$C2_GW" | grep -qaE 'SRTP is Enabled' || mfail "call 2: baresip gw1 did not enable SRTP"
ok "call 2 ended on both ends; gw1: $(bs_log "$C2_GW" | grep -aoE 'SRTP is Enabled.*' | head -n 1)"
C2_CID=$(call_id "$C2_UM")
bs_stop "$um"; bs_stop "$gw"
call_end "$m2" "call 2: end-of-call log line"
C2_END=$CALL_END_LINE

# ---------------------------------------------------------------------------
say "call 3: gw2 (UDP, plain RTP) -> umsbcd -> um1; gw2 hangs up after 3 s"
route_src 127.0.0.1 127.0.0.8       # now gw2's RTP to umsbcd's outside address
C3_UM=$TD/c3-um C3_GW=$TD/c3-gw2
bs_config "$C3_UM" 127.0.0.20:5060 "aufile,$TD/um-20s.wav" 21200-21299 "" "$UM_ACC"
bs_config "$C3_GW" 127.0.0.8:5060 "aufile,$TD/gw-3s.wav" 22000-22099 "" "$GW2_ACC"
BS_DIRS=("$C3_GW" "$C3_UM")
m3=$(log_mark)
bs_start "$C3_UM"; um=$BS_PID
bs_wait "$C3_UM" 'baresip is ready' 5 "UM baresip"
wait_port udp 127.0.0.20 5060 5 || mfail "UM baresip not listening on udp 127.0.0.20:5060"
bs_start "$C3_GW" '/dial sip:123@sbc.example.test'; gw=$BS_PID
bs_answered "$C3_GW" "call 3 answered at gw2"
bs_wait "$C3_UM" 'Call established' 2 "call 3 established at the UM"
bs_wait "$C3_GW" 'terminated' 10 "call 3: gw2 hangs up after its tone"
bs_wait "$C3_UM" 'terminated|session closed' 5 "call 3: the UM got gw2's BYE"
ok "call 3 established and ended on both ends"
C3_CID=$(call_id "$C3_UM")
bs_stop "$gw"; bs_stop "$um"
call_end "$m3" "call 3: end-of-call log line"
C3_END=$CALL_END_LINE

# ---------------------------------------------------------------------------
say "call 4: gw3 (TLS, plain RTP: sip-secured) -> umsbcd -> um1; gw3 hangs up after 3 s"
route_src 127.0.0.1 127.0.0.9       # now gw3's RTP and TLS to umsbcd's outside address
C4_UM=$TD/c4-um C4_GW=$TD/c4-gw3
bs_config "$C4_UM" 127.0.0.20:5060 "aufile,$TD/um-20s.wav" 21300-21399 "" "$UM_ACC"
bs_config "$C4_GW" 127.0.0.9:5060 "aufile,$TD/gw-3s.wav" 23000-23099 "$TD/pki/gw3.pem" "$GW3_ACC"
BS_DIRS=("$C4_GW" "$C4_UM")
m4=$(log_mark)
bs_start "$C4_UM"; um=$BS_PID
bs_wait "$C4_UM" 'baresip is ready' 5 "UM baresip"
wait_port udp 127.0.0.20 5060 5 || mfail "UM baresip not listening on udp 127.0.0.20:5060"
bs_start "$C4_GW" '/dial sip:123@sbc.example.test'; gw=$BS_PID
bs_answered "$C4_GW" "call 4 answered at gw3"
bs_wait "$C4_UM" 'Call established' 2 "call 4 established at the UM"
bs_wait "$C4_GW" 'terminated' 10 "call 4: gw3 hangs up after its tone"
bs_wait "$C4_UM" 'terminated|session closed' 5 "call 4: the UM got gw3's BYE"
ok "call 4 established and ended on both ends"
C4_CID=$(call_id "$C4_UM")
bs_stop "$gw"; bs_stop "$um"
call_end "$m4" "call 4: end-of-call log line"
C4_END=$CALL_END_LINE
BS_DIRS=("$C1_GW" "$C1_UM" "$C2_GW" "$C2_UM" "$C3_GW" "$C3_UM" "$C4_GW" "$C4_UM")

sleep 0.3                                   # let dumpcap see the last packets
capture_stop
rtp_dump

# ---------------------------------------------------------------------------
say "call 1 (gw1 -> UM, secured): audio, wire, SDP"
tone_check "$(ls -t "$C1_UM"/dump-*-dec.wav 2>/dev/null | head -n 1)" 1000 "UM hears gw1's tone"
tone_check "$(ls -t "$C1_GW"/dump-*-dec.wav 2>/dev/null | head -n 1)" 400 "gw1 hears the UM's tone"
# the plain legs first: leg_srtp compares its payloads with them
leg_plain "inside, umsbcd -> UM" c1-in-um 127.0.0.2 40000-40999 127.0.0.20 21000-21099 1000
leg_plain "inside, UM -> umsbcd" c1-in-sbc 127.0.0.20 21000-21099 127.0.0.2 40000-40999 400
leg_srtp "outside, gw1 -> umsbcd" c1-out-sbc 127.0.0.7 20000-20099 127.0.0.1 40000-40999
leg_srtp "outside, umsbcd -> gw1" c1-out-gw 127.0.0.1 40000-40999 127.0.0.7 20000-20099
sdp_inside "$C1_CID" "INVITE to the UM"
sdp_gw "$C1_GW" '127\.0\.0\.1:[0-9]+' '^SIP/2\.0 200' RTP/SAVP 1 'AES_CM_128_HMAC_SHA1_80' \
  "200 OK at gw1 (answer: one a=crypto, the strongest of ours that gw1 offered)"

say "call 2 (UM -> gw1, secured): audio, wire, SDP"
tone_check "$(ls -t "$C2_GW"/dump-*-dec.wav 2>/dev/null | head -n 1)" 400 "gw1 hears the UM's tone"
tone_check "$(ls -t "$C2_UM"/dump-*-dec.wav 2>/dev/null | head -n 1)" 1000 "UM hears gw1's tone"
leg_plain "inside, umsbcd -> UM" c2-in-um 127.0.0.2 40000-40999 127.0.0.20 21100-21199 1000
leg_plain "inside, UM -> umsbcd" c2-in-sbc 127.0.0.20 21100-21199 127.0.0.2 40000-40999 400
leg_srtp "outside, gw1 -> umsbcd" c2-out-sbc 127.0.0.7 20100-20199 127.0.0.1 40000-40999
leg_srtp "outside, umsbcd -> gw1" c2-out-gw 127.0.0.1 40000-40999 127.0.0.7 20100-20199
sdp_inside "$C2_CID" "200 OK to the UM"
sdp_gw "$C2_GW" '127\.0\.0\.1:[0-9]+' '^INVITE ' RTP/SAVP 6 "$OUR_SUITES" \
  "INVITE at gw1 (offer: our six suites in order)"

say "call 3 (gw2 -> UM, unsecured): audio, wire, SDP"
tone_check "$(ls -t "$C3_UM"/dump-*-dec.wav 2>/dev/null | head -n 1)" 1000 "UM hears gw2's tone"
tone_check "$(ls -t "$C3_GW"/dump-*-dec.wav 2>/dev/null | head -n 1)" 400 "gw2 hears the UM's tone"
leg_plain "inside, umsbcd -> UM" c3-in-um 127.0.0.2 40000-40999 127.0.0.20 21200-21299 1000
leg_plain "inside, UM -> umsbcd" c3-in-sbc 127.0.0.20 21200-21299 127.0.0.2 40000-40999 400
leg_plain "outside, gw2 -> umsbcd" c3-out-sbc 127.0.0.8 22000-22099 127.0.0.1 40000-40999 1000
leg_plain "outside, umsbcd -> gw2" c3-out-gw 127.0.0.1 40000-40999 127.0.0.8 22000-22099 400
sdp_inside "$C3_CID" "INVITE to the UM"

say "call 4 (gw3 -> UM, sip-secured): audio, wire, SDP, SIP transport"
tone_check "$(ls -t "$C4_UM"/dump-*-dec.wav 2>/dev/null | head -n 1)" 1000 "UM hears gw3's tone"
tone_check "$(ls -t "$C4_GW"/dump-*-dec.wav 2>/dev/null | head -n 1)" 400 "gw3 hears the UM's tone"
leg_plain "inside, umsbcd -> UM" c4-in-um 127.0.0.2 40000-40999 127.0.0.20 21300-21399 1000
leg_plain "inside, UM -> umsbcd" c4-in-sbc 127.0.0.20 21300-21399 127.0.0.2 40000-40999 400
leg_plain "outside, gw3 -> umsbcd" c4-out-sbc 127.0.0.9 23000-23099 127.0.0.1 40000-40999 1000
leg_plain "outside, umsbcd -> gw3" c4-out-gw 127.0.0.1 40000-40999 127.0.0.9 23000-23099 400
sdp_inside "$C4_CID" "INVITE to the UM"
sdp_gw "$C4_GW" '127\.0\.0\.1:5061' '^SIP/2\.0 200' RTP/AVP 0 '' \
  "200 OK at gw3 (answer: plain RTP/AVP, no a=crypto)"
# gw3's SIP: over TLS to umsbcd's 5061, none in clear (its trace, the wire)
n=$(bs_log "$C4_GW" | grep -acE '^TLS 127\.0\.0\.9:[0-9]+ -> 127\.0\.0\.1:5061')
bad=$(bs_log "$C4_GW" | grep -aE '^(UDP|TCP|TLS) [0-9.:]+ -> [0-9.:]+' | grep -avE '^TLS (127\.0\.0\.9:[0-9]+ -> 127\.0\.0\.1:5061|127\.0\.0\.1:5061 -> 127\.0\.0\.9:[0-9]+)' | head -n 1)
[ "$n" -ge 3 ] && [ -z "$bad" ] ||
  mfail "call 4: gw3's SIP was not all TLS with 127.0.0.1:5061: $n message(s) sent that way; other: '${bad:-none}'"
c=$(tshark_count 'udp && ip.addr == 127.0.0.9 && (udp.port == 5060 || udp.port == 5061)')
[ "$c" = 0 ] || mfail "call 4: $c UDP SIP packet(s) to/from gw3 on the wire (its SIP must be TLS only)"
! bs_log "$C4_GW" | grep -qaiE 'SRTP is Enabled|srtp.*(enabled|negotiat)' ||
  mfail "call 4: baresip gw3 enabled SRTP: $(bs_log "$C4_GW" | grep -aiE 'srtp' | head -n 1)"
ok "call 4: gw3's SIP all TLS with 127.0.0.1:5061 ($n message(s) sent), none on UDP, no SRTP at gw3"

say "secured legs: plaintext never crosses umsbcd"
n=$(tshark_count 'udp && ip.src == 127.0.0.7 && ip.dst == 127.0.0.1 && frame contains "UMSBC-PLAINTEXT-PROBE"')
[ "$n" = $((2 * PROBES)) ] || mfail "the capture holds $n of the $((2 * PROBES)) injected probes (expected all)"
n=$(tshark_count 'udp && !(ip.src == 127.0.0.7) && frame contains "UMSBC-PLAINTEXT-PROBE"')
[ "$n" = 0 ] || mfail "umsbcd relayed $n injected plaintext packet(s) that did not authenticate on gw1's SRTP leg"
ok "the $((2 * PROBES)) forged plaintext RTP/RTCP packets from gw1's address were not relayed"
n=$(plain_rtcp 127.0.0.1 127.0.0.7)
[ "$n" = 0 ] || mfail "umsbcd sent $n plain (unencrypted) RTCP datagram(s) to gw1 (its leg is SRTP/SRTCP)"
ok "no plain RTCP from umsbcd to gw1 (calls 1 and 2)"

say "media is anchored: nothing between a gateway and the UM directly"
no_direct 127.0.0.7 127.0.0.20 "gw1 <-> UM"
no_direct 127.0.0.8 127.0.0.20 "gw2 <-> UM"
no_direct 127.0.0.9 127.0.0.20 "gw3 <-> UM"
ok "no UDP packet between 127.0.0.7/127.0.0.8/127.0.0.9 and 127.0.0.20"

say "end-of-call lines (UMS5001)"
# call 1: at least the injected plain RTP probes failed authentication (each
# is at least one failure); call 2: baresip itself sends up to two plain RTCP
# packets on its SRTP leg (an APP "PING" at the start, a BYE at the end) that
# may meet the stream while it exists
end_check "$C1_END" "$C1_CID" gw1 secured AES_CM_128_HMAC_SHA1_80 "$PROBES" 1000 "call 1"
end_check "$C2_END" "$C2_CID" gw1 secured AEAD_AES_256_GCM 0 2 "call 2"
end_check "$C3_END" "$C3_CID" gw2 unsecured none 0 0 "call 3"
end_check "$C4_END" "$C4_CID" gw3 sip-secured none 0 0 "call 4"

assert_alive
stop_umsbcd
echo "PASS: $IT_NAME"
exit 0
