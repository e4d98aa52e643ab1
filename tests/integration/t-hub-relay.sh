#!/bin/bash
# t-hub-relay.sh -- issue 5: a voice-mail message from a legacy UM server
# (swaks, plain SMTP) through the relay to the Hub Transport (Postfix,
# STARTTLS + mutual TLS), and 50 sessions at once.
#
# Checks: the EHLO reply offers what the Hub offers (SIZE, 8BITMIME,
# PIPELINING, ENHANCEDSTATUSCODES) and no STARTTLS; the delivered message is
# byte-identical to the one sent (a multi-MB WAV attachment, lines that need
# dot-stuffing); swaks's final 250 is the Hub's own "queued as" reply; the
# Hub logged a TLS session with our client certificate verified ("Trusted");
# umsbcd logged one UMS4001 line per message with TLS version, cipher and
# the Hub certificate's thumbprint; on the wire the Hub port carries a TLS
# handshake and no envelope or message text in clear; 50 concurrent
# pipelining sessions all deliver; SIGTERM stops cleanly.
IT_LIMIT=${IT_LIMIT:-120}
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/hub/hub-lib.sh"
need dumpcap tshark base64 cmp

say "the Hub (postfix) and the relay"
hub_cert
hub_start_postfix
write_conf "$TD" "$(hub_conf_text)"
start_umsbcd "$TD"
wait_port tcp 127.0.0.5 25 5 || fail "relay not listening on 127.0.0.5:25"
assert_log 'UMS4004 .*127\.0\.0\.5:25' "relay listening"
capture_start "tcp port 2525 or tcp port 25"

say "EHLO: what the Hub offers"
um_swaks ehlo --quit-after EHLO
grep -q '^<-  220 ' "$TD/ehlo.swaks" || fail "no 220 greeting: $(cat "$TD/ehlo.swaks")"
for cap in 'SIZE [0-9]+' 8BITMIME PIPELINING ENHANCEDSTATUSCODES; do
  grep -qE "^<-  250[- ]$cap\$" "$TD/ehlo.swaks" || fail "EHLO reply lacks $cap: $(grep '^<-' "$TD/ehlo.swaks")"
done
grep -q 'STARTTLS' "$TD/ehlo.swaks" && fail "the relay offers STARTTLS inside (it cannot do it)"
ok "EHLO offers $(grep -E '^<-  250[- ]' "$TD/ehlo.swaks" | sed 1d | sed -E 's/^<-  250[- ]//' | tr '\n' ' ')"

say "a voice-mail message with a 3 MB WAV attachment, byte for byte"
{
  printf 'RIFF\x24\x00\x30\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x30\x00'
  head -c 3145728 /dev/urandom
} >"$TD/vm.wav"
cat >"$TD/vm.eml" <<MSG
Date: Tue, 04 Jun 2024 10:00:00 +0000
From: "Unified Messaging" <um1@um1.example.test>
To: <voicemail@hub.example.test>
Subject: Voice Mail from 5551234 (00:03:12)
Message-ID: <vm-$$-1@um1.example.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="vm-boundary"

--vm-boundary
Content-Type: text/plain; charset=us-ascii

You received a voice mail from 5551234.
.
..two dots
.a line with a leading dot
 .
--vm-boundary
Content-Type: audio/wav; name="voicemail.wav"
Content-Disposition: attachment; filename="voicemail.wav"
Content-Transfer-Encoding: base64

$(base64 -w 76 "$TD/vm.wav")
--vm-boundary--
MSG
# swaks ends the data with "\r\n.": give it the message without its last LF
head -c -1 "$TD/vm.eml" >"$TD/vm.send"
m=$(log_mark)
um_swaks vm --data "$TD/vm.send" --pipeline
rc=$?
final=$(swaks_final vm)
[ $rc = 0 ] || fail "swaks exit $rc, last reply '$final'"
echo "$final" | grep -qE '^250 2\.0\.0 Ok: queued as [0-9A-Z]+' ||
  fail "final reply is not the Hub's 'queued as': '$final'"
ok "swaks: $final"
hub_wait_delivered 1 20 || fail "nothing delivered to the Hub's Maildir"
f=$(ls "$HUB_MAIL"/* | head -n 1)
size=$(stat -c %s "$TD/vm.eml")
tail -c "$size" "$f" | cmp -s - "$TD/vm.eml" || fail "delivered message differs from the one sent ($f)"
head -c "$(($(stat -c %s "$f") - size))" "$f" | grep -vE '^(Return-Path|X-Original-To|Delivered-To|Received):|^[[:space:]]' |
  grep . && fail "the Hub's copy has headers other than its trace headers"
ok "delivered message is byte-identical to the one sent ($size octets + the Hub's trace headers)"
grep -oE 'using TLSv1\.[23] with cipher [A-Z0-9_]+' "$f" | head -n 1 | sed 's/^/   Hub Received: /'
grep -qE 'Client CN "sbc\.example\.test".*verified OK|verified OK' "$f" || fail "Received header does not show our verified client certificate"
grep -qE 'Trusted TLS connection established from [^ ]*\[127\.0\.0\.1\]' "$HUB_DIR/maillog" ||
  fail "postfix did not log a Trusted TLS connection: $(grep -E 'TLS connection' "$HUB_DIR/maillog" | head -n 3)"
ok "postfix: $(grep -oE 'Trusted TLS connection established from .*' "$HUB_DIR/maillog" | head -n 1)"
assert_log 'UMS4001 message relayed: client=127\.0\.0\.20:[0-9]+ from=<um1@um1\.example\.test> rcpts=1 size=[0-9]{7} tls=TLSv1\.[23] cipher=[A-Z0-9_-]+ hub_sha1=[0-9A-F]{40} hub_reply="250 2\.0\.0 Ok: queued as' \
  "one log line for the message" "$m" 5
thumb=$(openssl x509 -in "$TD/pki/hub.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
log_since "$m" | grep -q "hub_sha1=$thumb" || fail "UMS4001 does not carry the Hub certificate's SHA-1 $thumb"
ok "thumbprint in the log is the Hub certificate's ($thumb)"
[ "$(log_since "$m" | grep -c 'UMS4001')" = 1 ] || fail "expected exactly one UMS4001 line for one message"

say "50 concurrent sessions"
before=$(hub_delivered)
m=$(log_mark)
pids=()
for i in $(seq 1 50); do
  um_swaks "c$i" --pipeline --h-Subject "concurrent $i" --body "message $i" &
  pids+=($!)
done
nfail=0
for p in "${pids[@]}"; do wait "$p" || nfail=$((nfail + 1)); done
[ $nfail = 0 ] || { for i in $(seq 1 50); do swaks_final "c$i"; done | sort | uniq -c; fail "$nfail of 50 swaks sessions failed"; }
hub_wait_delivered $((before + 50)) 30 || fail "only $(( $(hub_delivered) - before )) of 50 messages delivered"
n=$(log_since "$m" | grep -c 'UMS4001')
[ "$n" = 50 ] || fail "$n UMS4001 lines for 50 messages"
ok "50 sessions at once: 50 delivered, 50 UMS4001 lines"

sleep 1.5    # let dumpcap retire its last (partly filled) TPACKET_V3 block
capture_stop
hs=$(tshark_count 'tcp.port == 2525 && tls.handshake.type == 1' -d tcp.port==2525,smtp)
[ "$hs" -ge 51 ] || fail "expected 51 TLS ClientHellos towards the Hub, saw $hs"
clear=$(tshark_count 'tcp.port == 2525 && frame matches "(?i)(mail from|rcpt to|voicemail\\.wav|Subject:)"')
[ "$clear" = 0 ] || fail "$clear frames towards the Hub carry envelope or message text in clear"
inside=$(tshark_count 'tcp.port == 25 && frame matches "(?i)mail from"')
[ "$inside" -ge 51 ] || fail "the capture check is blind: only $inside MAIL FROM frames seen inside"
ok "wire: $hs TLS handshakes to the Hub, 0 frames with envelope/text in clear ($inside MAIL FROM inside, as expected)"

stop_umsbcd
grep -E 'UMS4002' "$TD/umsbcd.log" && fail "unexpected UMS4002 lines"
hub_stop_postfix
finish
