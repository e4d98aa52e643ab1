# media/: RTP/SRTP relay, port pool, SDES; libsrtp2, OpenSSL, libevent and
# liburing only. No SIP, no SDP, no proxy/ or certs/ headers (hence the narrow flags).
noinst_LTLIBRARIES += media/libmedia.la
media_libmedia_la_SOURCES = \
	media/b64.c media/b64.h \
	media/counters.h \
	media/internal.h \
	media/packet.c media/packet_handle.c media/packet_uring.c media/uring_probe.c \
	media/portpool.c media/portpool.h \
	media/relay.c media/relay.h \
	media/sdes.c media/sdes.h \
	media/srtp_ctx.c media/srtp_ctx.h \
	media/srtp_ossl.c media/srtp_ossl.h \
	media/stream.c media/stream.h
media_libmedia_la_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir) $(SRTP_CFLAGS) $(OPENSSL_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(LIBURING_CFLAGS)
media_libmedia_la_LIBADD = util/libutil.la $(SRTP_LIBS) $(OPENSSL_LIBS) $(LIBEVENT_LIBS) \
	$(LIBURING_LIBS)

check_PROGRAMS += tests/unit/check_media
UNIT_TESTS += tests/unit/check_media
tests_unit_check_media_SOURCES = tests/unit/check_media.c tests/unit/media_suites.h \
	tests/unit/check_media_sdes.c tests/unit/check_media_srtp.c \
	tests/unit/check_media_pool.c tests/unit/check_media_relay.c \
	tests/unit/check_media_ossl.c tests/unit/check_media_uring.c
tests_unit_check_media_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir) $(SRTP_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_check_media_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_media_LDADD = media/libmedia.la $(CHECK_LIBS)

# tests/bench/media_rss: the relay's own memory per call (docs/BENCHMARKS.md).
noinst_PROGRAMS += tests/bench/media_rss
tests_bench_media_rss_SOURCES = tests/bench/media_rss.c
tests_bench_media_rss_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir) $(SRTP_CFLAGS) $(OPENSSL_CFLAGS)
tests_bench_media_rss_LDADD = media/libmedia.la
