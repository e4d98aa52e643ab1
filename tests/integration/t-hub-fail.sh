#!/bin/bash
# t-hub-fail.sh -- issue 5: the relay never carries a message it cannot
# carry safely, and refuses strangers.
#
# For a Hub that offers no STARTTLS, a Hub whose certificate comes from an
# untrusted CA, a Hub whose trusted certificate names another host, and a
# stopped Hub (the relay is switched between them with SIGHUP, which also
# exercises hub_reconf): swaks gets a 4xx, nothing is delivered, umsbcd logs
# UMS4002 with the reason, and the capture shows no envelope or message text
# towards any Hub port. Then: a client not in `clients` gets no greeting
# (UMS4003); a client sending garbage gets 500s and is closed with 421 after
# max_errors; after all that a good message still goes through.
IT_LIMIT=${IT_LIMIT:-120}
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/hub/hub-lib.sh"
need dumpcap tshark socat

hub_cert
hub_start_postfix
write_conf "$TD" "$(hub_conf_text)"
start_umsbcd "$TD"
wait_port tcp 127.0.0.5 25 5 || fail "relay not listening on 127.0.0.5:25"
say "garbage: 500s, then 421 after max_errors (10)"
{ for i in $(seq 1 12); do printf 'GET /%d HTTP/1.0\r\n' "$i"; sleep 0.05; done; sleep 1; } |
  timeout 10 socat - TCP:127.0.0.5:25,bind=127.0.0.20 >"$TD/garbage.out" 2>&1
n500=$(grep -c '^500 ' "$TD/garbage.out")
grep -q '^421 .*too many errors' "$TD/garbage.out" && [ "$n500" = 10 ] ||
  soft_fail "garbage: expected 10 x 500 then 421, got: $(tr -d '\r' <"$TD/garbage.out" | tr '\n' '|')"
ok "garbage: $n500 x 500, then '$(grep '^421' "$TD/garbage.out" | tr -d '\r')'"

capture_start "tcp portrange 2525-2529 or tcp port 25"

# refused LABEL PORT NAME REASON-RE
refused() {
  local label=$1 port=$2 name=$3 re=$4 m final
  say "$label"
  hub_reload "$(hub_conf_text "$port" "$name")"
  m=$(log_mark)
  before=$(hub_delivered)
  um_swaks "$label" --h-Subject "secret subject $port" --body "secret body $port"
  final=$(swaks_final "$label")
  echo "$final" | grep -qE '^4[0-9][0-9] ' || { soft_fail "$label: swaks got '$final', expected a 4xx"; return; }
  ok "$label: swaks got '$final'"
  wait_log "$TD/umsbcd.log" "UMS4002 relay failed: client=127\\.0\\.0\\.20:[0-9]+ no Hub session: .*$re" 5 "$m" ||
    { soft_fail "$label: no UMS4002 matching /$re/: $(log_since "$m" | grep UMS4002)"; return; }
  ok "$label: $(log_since "$m" | grep -oE 'no Hub session: .*' | head -n 1 | cut -c1-150)"
  sleep 0.3
  [ "$(hub_delivered)" = "$before" ] || soft_fail "$label: something was delivered"
}

refused no-starttls 2526 hub.example.test 'does not offer STARTTLS'
refused untrusted 2527 hub.example.test 'TLS handshake with the Hub failed: certificate verification: (unable to get local issuer|self-signed)'
refused wrong-name 2528 hub.example.test 'TLS handshake with the Hub failed: certificate verification: [Hh]ostname mismatch'
refused stopped 2529 hub.example.test 'connection to the Hub failed.*(refused|Connection)'

sleep 1.5    # let dumpcap retire its last (partly filled) TPACKET_V3 block
capture_stop
hubframes=$(tshark_count 'tcp.port >= 2525 && tcp.port <= 2529')
[ "$hubframes" -ge 10 ] || soft_fail "the capture saw only $hubframes frames towards the Hubs"
clear=$(tshark_count 'tcp.port >= 2525 && tcp.port <= 2529 && frame matches "(?i)(mail from|rcpt to|secret)"')
[ "$clear" = 0 ] || soft_fail "$clear frames towards a Hub carry envelope or message text in clear"
clear=$(tshark_count 'tcp.port == 25 && frame matches "(?i)(mail from|secret)"')
[ "$clear" = 0 ] || soft_fail "the client could send $clear envelope/text frames although no Hub session existed"
ok "wire: $hubframes frames towards the Hubs, none with envelope or message text; the client never got to send any"

say "a client not in clients"
hub_reload "$(hub_conf_text)"
m=$(log_mark)
UM_SRC=127.0.0.21 um_swaks stranger
grep -q '^<-  220' "$TD/stranger.swaks" && soft_fail "the stranger got a greeting"
wait_log "$TD/umsbcd.log" 'UMS4003 client 127\.0\.0\.21:[0-9]+ refused' 3 "$m" ||
  soft_fail "no UMS4003 for the stranger"
ok "stranger 127.0.0.21: $(grep -E '^\*\*\*' "$TD/stranger.swaks" | head -n 1)"

say "and a good message still goes through (encrypted: the capture is not blind)"
mv "$TD/cap.pcap" "$TD/cap-failures.pcap"; rm -f "$TD/dumpcap.err"    # a fresh capture
capture_start "tcp port 2525 or tcp port 25"
before=$(hub_delivered)
um_swaks good --h-Subject "secret: after the failures"
swaks_final good | grep -q '^250 2\.0\.0 Ok: queued as' || soft_fail "good message: '$(swaks_final good)'"
hub_wait_delivered $((before + 1)) 10 || soft_fail "good message not delivered"
ok "good message delivered: $(swaks_final good)"
sleep 1.5    # let dumpcap retire its last (partly filled) TPACKET_V3 block
capture_stop
clear=$(tshark_count 'tcp.port == 2525 && frame matches "(?i)(mail from|rcpt to|secret)"')
inside=$(tshark_count 'tcp.port == 25 && frame matches "(?i)secret"')
[ "$clear" = 0 ] && [ "$inside" -ge 1 ] || soft_fail "good message: $clear clear frames to the Hub, $inside inside"
ok "wire: the text seen inside ($inside frame) is not seen towards the Hub (0 frames)"

stop_umsbcd
hub_stop_postfix
finish
