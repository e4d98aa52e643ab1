#!/bin/bash
# t-valgrind.sh -- umsbcd under valgrind memcheck through the threaded paths:
# two mutual-TLS calls (worker threads, bufferevent_openssl) offering SRTP to
# the secured dial plan and one TCP call, all with their media anchored (the
# relay threads, libsrtp sessions, port pools), then SIGTERM. Fails on any memcheck error or definitely/indirectly lost block.
# Needs a build without sanitizers in UMSBCD (valgrind and ASan do not mix).
IT_LIMIT=${IT_LIMIT:-240}
. "$(dirname "$0")/../integration/lib.sh"
need valgrind sipp stunnel

# media.io = "epoll": valgrind (3.19) keeps its one-thread-at-a-time lock
# while a thread waits in io_uring_enter, so an io_uring relay thread would
# stop every other thread; the io_uring path runs under ASan and TSan.
write_conf "$TD" 'media = { outside_address = "127.0.0.1"; inside_address = "127.0.0.2"; port_min = 44000; port_max = 44099; workers = 2; io = "epoll"; };'
valgrind --error-exitcode=99 --suppressions="$(dirname "$0")/libsrtp2-nss.supp" --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect "$UMSBCD" -f -c "$TD/umsbc.conf" \
	>"$TD/umsbcd.out" 2>"$TD/umsbcd.log" &
UMSBCD_PID=$!
track "$UMSBCD_PID"
wait_log "$TD/umsbcd.log" UMS1005 90 || fail "umsbcd under valgrind did not get ready"
ok "umsbcd ready under valgrind"
uas_start um-uas "$SCEN/uas.xml" u1 127.0.0.20 5060 -m 3 -d 100
gw1_tls_client
tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"
sed -i "s#m=audio \[media_port\] RTP/AVP 8#m=audio [media_port] RTP/SAVP 8\\n      a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(openssl rand -base64 30)#" "$TD/uac_tls.xml"
sipp_fg gw1-uac 90 -sf "$TD/uac_tls.xml" -t t1 -s 123 127.0.0.7:15061 -i 127.0.0.7 -p 5060 \
	-mi 127.0.0.7 -m 2 -d 200 -timeout 80s -timeout_error || fail "TLS calls under valgrind failed"
ok "two mutual-TLS calls"
sipp_fg gw2-uac 90 -sf "$SCEN/uac.xml" -t t1 -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
	-mi 127.0.0.8 -m 1 -d 200 -timeout 80s -timeout_error || fail "TCP call under valgrind failed"
ok "one TCP call"
[ "$(grep -c 'UMS5001 .*reason=bye-from-outside' "$TD/umsbcd.log")" = 3 ] ||
	fail "expected 3 anchored calls (UMS5001): $(grep -E 'UMS500' "$TD/umsbcd.log")"
ok "three calls with anchored media, two of them SRTP"
kill -TERM "$UMSBCD_PID"
wait_exit "$UMSBCD_PID" 60
rc=$?
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$TD/umsbcd.log" | sed 's/^/   /'
[ $rc = 0 ] || fail "valgrind reported errors or leaks (exit status $rc)"
ok "valgrind: no errors, nothing definitely or indirectly lost"
echo "PASS: $IT_NAME"
exit 0
