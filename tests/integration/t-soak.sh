#!/bin/bash
# t-soak.sh -- tests/bench/soak.sh at test size (issue 12, "Soak"): 150 s of
# calls at 9 cps over three gateway fronts at once, RTP on every call, under
# the build the suite runs (in CI: AddressSanitizer + UBSan; it is not in
# the ThreadSanitizer subset). The machinery is tests/bench/soak-lib.sh:
#
#   gw2    SIPp UAC 127.0.0.8   --UDP-->                      umsbcd 127.0.0.1:5060
#   gw2tcp SIPp UAC 127.0.0.18  --TCP-->                      umsbcd 127.0.0.1:5060
#   gw1    SIPp UAC 127.0.0.7 -> stunnel ==mutual TLS==>      umsbcd 127.0.0.1:5061
#          (gw1 in a sip-secured dial plan: TLS signaling, plain RTP)
#   umsbcd 127.0.0.2 --UDP--> um1 SIPp UAS 127.0.0.20:5060
#
# 3 calls/s per front, each INVITE/180/200/ACK, 2 s of RTP both ways (SIPp
# rtp_stream, 50 packets/s, through umsbcd's relay), BYE/200: 1,350 calls.
# A line every 10 s: calls per front, umsbcd's VmRSS and CPU, connections,
# calls_active, media_ports_in_use, transactions.
#
# Asserted:
#  - no failed call (at the three gateways and at um1), all 1,350 placed;
#  - umsbcd ended every call on the gateway's BYE with RTP in and out on both
#    legs (its UMS5001 counters);
#  - RSS flat after a 60 s warm-up: the samples from 60 s to 150 s (10, one
#    every 10 s) fitted by least squares, once the largest rise between two
#    samples is taken out (soak-lib.sh: soak_rss_fit), grow by less than
#    384 KiB over those 90 s. Why 384 KiB, measured here (2 shared cores):
#      no leak: -66..142 KiB (ASan without quarantine 22-142 in 4 runs, TSan
#        -66..117 over several windows); untreated least squares 73-377 KiB, because
#        the sanitizer runtime now and then maps one more piece of shadow, a
#        single step of 200-300 KiB (TSan, once in 5 minutes);
#      a leak of 1 KiB per call (a malloc(1024) per call in call_new, never
#        freed, under ASan): 1104-1137 KiB (1238-1249 untreated), in 2 runs:
#        810 calls x 1 KiB in the window, plus the allocator's header and
#        redzones.
#    So 384 KiB is 2.7x the highest no-leak figure and a third of a 1 KiB leak
#    (half a KiB per call would still come to some 570 KiB: an estimate). A
#    leak LeakSanitizer cannot see (memory still referenced: a list that only
#    grows, 1 KiB per call) fails here just the same (1252 KiB untreated).
#    The warm-up covers the 32 s in which finished INVITE transactions pile
#    up (RFC 6026 linger) before they leave at the rate they come.
#  - after the last call: calls_active, media_ports_in_use, connections and
#    transactions back to their idle figures (0), within 45 s;
#  - SIGTERM: exit 0, UMS1021, no sanitizer report (LeakSanitizer included).
#
# AddressSanitizer's quarantine is turned off for umsbcd here
# (quarantine_size_mb=0): with it, freed memory is held back (256 MB by
# default) and recycled out of order, and RSS rose 1-2 MB a minute through
# the whole run at 9 cps (ever more slowly: 35.4 -> 37.5 MB from 60 s to
# 150 s even with a 1 MB quarantine), which would hide a leak of this size.
# Without it RSS is flat within ~140 KiB after 40 s. Use-after-free detection
# is weaker in this one test only; every other test keeps the quarantine.
#
# Environment (for experiments; CI uses the defaults): SOAK_CPS, SOAK_SECS,
# SOAK_INTERVAL, SOAK_WARMUP (s), SOAK_RSS_GROWTH_MAX (KiB), SOAK_HOLD_MS.
IT_LIMIT=${IT_LIMIT:-290}
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/../bench/soak-lib.sh"
CPS=${SOAK_CPS:-9} SECS=${SOAK_SECS:-150} IV=${SOAK_INTERVAL:-10} WARM=${SOAK_WARMUP:-60}
GROWTH_MAX=${SOAK_RSS_GROWTH_MAX:-384}
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"

say "set-up: umsbcd with a media group, um1 (SIPp UAS), gw1's stunnel"
soak_setup
say "soak: $CPS cps over udp/tcp/tls for $SECS s, RTP on every call; a sample every $IV s"
soak_run "$CPS" "$SECS" "$IV"
soak_drain
say "after the last call (drained in $SOAK_DRAIN_SECS s)"
soak_media
soak_verdict_calls 0
soak_verdict_media
soak_verdict_rss "$WARM" growth "$GROWTH_MAX"
soak_verdict_idle
stop_umsbcd
finish
