#!/bin/bash
# t-metrics.sh -- the Prometheus endpoint (metrics group), scraped with curl
# and read with the prometheus_client text parser (promparse.py), never grep.
#
#  1. umsbcd -t refuses a bad metrics.listen, and an unknown key in the
#     group, with FILE:LINE.
#  2. With metrics = { listen = "127.0.0.1:9561"; } (and a media group, so
#     calls are counted): GET /metrics is 200, text/plain version 0.0.4, it
#     parses, and the families exist with their types; counters end in _total.
#  3. A gateway named gw"4\x (quote and backslash) comes back from the parser
#     as that name: labels are escaped.
#  4. A call from gw2 (SIPp): umsbc_calls_total{gateway="gw2",dialplan="branch",
#     mode="unsecured"} goes up by exactly 1.
#  5. A stranger's UDP INVITE: umsbc_refusals_total{reason="unknown_source"}
#     goes up; a TLS client without a certificate: a handshake failure is
#     counted (direction="in").
#  6. POST /metrics, GET /other and HEAD /metrics get 404.
#  7. A reload with another metrics.listen moves the endpoint; counters stay.
. "$(dirname "$0")/lib.sh"
need curl python3 socat
# Debian's python3, which python3-prometheus-client is for (a python3 of
# one's own, e.g. pyenv's, may come first in PATH)
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c 'import prometheus_client.parser' 2>/dev/null ||
  fail "$PY cannot import prometheus_client (Debian: apt-get install python3-prometheus-client)"
PROM="$PY $IT_DIR/promparse.py"
URL=http://127.0.0.1:9561

MEDIA='media = { outside_address = "127.0.0.1"; inside_address = "127.0.0.2"; port_min = 40000; port_max = 40999; };'
CONF_EXTRA_GATEWAYS=', { name = "gw\"4\\x"; fqdn = "gw4.example.test"; addresses = ( "127.0.0.14" ); port = 5060; dialplan = "branch"; }'

say "1. umsbcd -t and a bad metrics group"
check_bad() {  # check_bad TEXT WHAT-REGEX
  local line rc
  write_conf "$TD" "$MEDIA
$1"
  line=$(grep -n 'listen = "' "$TD/umsbc.conf" | tail -n 1 | cut -d: -f1)
  "$UMSBCD" -t -c "$TD/umsbc.conf" >"$TD/t.out" 2>"$TD/t.err"
  rc=$?
  [ $rc = 1 ] || fail "umsbcd -t exit $rc for '$1' (expected 1): $(cat "$TD/t.err")"
  grep -qE "^$TD/umsbc\.conf:$line: .*$2" "$TD/t.err" ||
    fail "umsbcd -t for '$1' said '$(cat "$TD/t.err")', expected umsbc.conf:$line: /$2/"
  ok "umsbcd -t: $(sed "s#$TD/##" "$TD/t.err")"
}
check_bad 'metrics = { listen = "127.0.0.1"; };' 'metrics\.listen: "127\.0\.0\.1" is not ADDRESS:PORT'
check_bad 'metrics = { listen = "localhost:9561"; };' 'metrics\.listen: "localhost:9561" is not'
check_bad 'metrics = { listen = "127.0.0.1:70000"; };' 'metrics\.listen: .* is not ADDRESS:PORT'
check_bad 'metrics = {
  listen = "127.0.0.1:9561"; lisen = "x"; };' 'unknown setting "lisen"'
write_conf "$TD" "$MEDIA
metrics = { listen = \"127.0.0.1:9561\"; };"
"$UMSBCD" -t -c "$TD/umsbc.conf" >"$TD/t.out" 2>"$TD/t.err" || fail "umsbcd -t refused a good metrics group: $(cat "$TD/t.err")"
ok "umsbcd -t accepts metrics = { listen = \"127.0.0.1:9561\"; }"

say "2. GET /metrics parses, with the families and their types"
start_umsbcd "$TD"
wait_port tcp 127.0.0.1 9561 5 || fail "nothing listens on 127.0.0.1:9561"
assert_log 'UMS1013 .*127\.0\.0\.1:9561' "endpoint logged"
N=0
scrape() {  # scrape : $TD/mN.txt, the latest in $M
  N=$((N + 1)); M=$TD/m$N.txt
  local code
  code=$(curl -sS -o "$M" -D "$M.hdr" -w '%{http_code}' "$URL/metrics") || fail "curl $URL/metrics failed"
  [ "$code" = 200 ] || fail "GET /metrics answered $code"
}
val() { $PROM "$M" value "$@" || fail "no sample $* in scrape $N"; }
scrape
grep -qiE '^content-type: text/plain; version=0\.0\.4' "$M.hdr" ||
  fail "Content-Type: $(grep -i '^content-type' "$M.hdr")"
$PROM "$M" families umsbc_build_info:gauge umsbc_dialplan_info:gauge \
  umsbc_calls:counter umsbc_calls_started:counter umsbc_calls_active:gauge \
  umsbc_calls_refused:counter umsbc_refusals:counter umsbc_tls_handshakes:counter \
  umsbc_tls_handshake_failures:counter umsbc_connections:gauge umsbc_connections_max:gauge \
  umsbc_um_server_up:gauge umsbc_um_server_probe_rtt_seconds:gauge \
  umsbc_media_packets_relayed:counter umsbc_srtp_auth_failures:counter \
  umsbc_srtp_replays:counter umsbc_media_ports_in_use:gauge \
  umsbc_certificate_expiry_seconds:gauge umsbc_hub_messages:counter ||
  fail "families missing or of the wrong type (scrape in $M)"
ok "$(grep -c '^# TYPE' "$M") families, parsed by prometheus_client"
[ "$(val umsbc_um_server_up um_server=um1)" = 1 ] || fail "umsbc_um_server_up{um_server=um1} is not 1"
[ "$(val umsbc_connections_max)" = 1024 ] || fail "umsbc_connections_max is not 1024"
[ "$(val umsbc_dialplan_info dialplan=main mode=secured)" = 1 ] || fail "no dial plan main secured"
exp=$(val umsbc_certificate_expiry_seconds)
"$PY" -c "import sys; v=float(sys.argv[1]); sys.exit(not 29*86400 < v <= 30*86400)" "$exp" ||
  fail "umsbc_certificate_expiry_seconds $exp is not about 30 days (the test PKI)"
for r in accepted tempfail refused; do
  [ "$(val umsbc_hub_messages_total result=$r)" = 0 ] || fail "hub messages $r not 0"
done
ok "um1 up, max connections 1024, certificate expires in $exp s, hub counters 0"

say "3. label values are escaped"
[ "$(val umsbc_calls_total 'gateway=gw"4\x' dialplan=branch mode=unsecured)" = 0 ] ||
  fail "gateway gw\"4\\x not read back from the exposition: $($PROM "$M" labels umsbc_calls_total gateway | tr '\n' ' ')"
ok "gateway gw\"4\\x read back from its escaped label"

say "4. a call from gw2 counts once"
GW2=(gateway=gw2 dialplan=branch mode=unsecured)
before=$(val umsbc_calls_total "${GW2[@]}")
[ "$before" = 0 ] || fail "gw2 calls before the call: $before"
run_call c1 u1 uac uas
for i in $(seq 40); do
  scrape
  [ "$(val umsbc_calls_total "${GW2[@]}")" = 1 ] && break
  sleep 0.05
done
[ "$(val umsbc_calls_total "${GW2[@]}")" = 1 ] ||
  fail "umsbc_calls_total for gw2 is $(val umsbc_calls_total "${GW2[@]}") after one call (expected 1)"
[ "$(val umsbc_calls_started_total mode=unsecured)" = 1 ] || fail "calls started (unsecured) not 1"
[ "$(val umsbc_calls_active)" = 0 ] || fail "calls active not 0 after the call"
[ "$(val umsbc_calls_total gateway=gw1 dialplan=main mode=secured)" = 0 ] || fail "gw1 counted a call"
ok "umsbc_calls_total{gateway=gw2,dialplan=branch,mode=unsecured} 0 -> 1; gw1 still 0"

say "5. a stranger refused, a TLS handshake failed"
ref0=$(val umsbc_refusals_total reason=unknown_source)
sip_req INVITE sip:123@127.0.0.1:5060 127.0.0.99 5060 UDP metrics-stranger >"$TD/s.txt"
udp_xchg 127.0.0.99 5060 127.0.0.1 5060 "$TD/s.txt" 1 >/dev/null
scrape
ref1=$(val umsbc_refusals_total reason=unknown_source)
[ "$ref1" = $((ref0 + 1)) ] || fail "refusals{reason=unknown_source} $ref0 -> $ref1 (expected +1)"
ok "umsbc_refusals_total{reason=\"unknown_source\"} $ref0 -> $ref1"
tf0=$($PROM "$M" sum umsbc_tls_handshake_failures_total direction=in)
tls_xchg 127.0.0.11 "$TD/s.txt" "$TD/tls.out"
for i in $(seq 40); do
  scrape
  tf1=$($PROM "$M" sum umsbc_tls_handshake_failures_total direction=in)
  [ "$tf1" != "$tf0" ] && break
  sleep 0.05
done
[ "$tf1" = $((tf0 + 1)) ] || fail "TLS handshake failures (in) $tf0 -> $tf1 (expected +1)"
why=$("$PY" - "$M" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in f.samples:
        if s.name == "umsbc_tls_handshake_failures_total" and s.value > 0:
            print(s.labels["reason"])
PY
)
[ "$why" = no_certificate ] || fail "handshake failure counted with reason '$why' (expected no_certificate)"
ok "umsbc_tls_handshake_failures_total{direction=\"in\",reason=\"$why\"} $tf0 -> $tf1"

say "6. anything but GET /metrics is 404"
for req in "-X POST $URL/metrics" "$URL/other" "-I $URL/metrics" "$URL/metrics/x"; do
  # shellcheck disable=SC2086
  code=$(curl -sS -o /dev/null -w '%{http_code}' $req)
  [ "$code" = 404 ] || fail "curl $req answered $code (expected 404)"
  ok "curl $req: 404"
done
scrape
ok "the endpoint still answers GET /metrics"

say "7. a reload moves the endpoint to 127.0.0.1:9562"
write_conf "$TD" "$MEDIA
metrics = { listen = \"127.0.0.1:9562\"; };"
mark=$(log_mark)
kill -HUP "$UMSBCD_PID"
assert_log 'UMS1010' "reload done" "$mark"
assert_log 'UMS1013 .*127\.0\.0\.1:9562' "new endpoint logged" "$mark"
URL=http://127.0.0.1:9562
scrape
[ "$(val umsbc_calls_total "${GW2[@]}")" = 1 ] || fail "the counters did not survive the reload"
curl -s -o /dev/null http://127.0.0.1:9561/metrics && fail "the old endpoint 9561 still answers"
ok "9562 answers with the counters kept; 9561 no longer does"

stop_umsbcd
finish
