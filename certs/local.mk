# certs/: certificate store, trust store, selection; OpenSSL only, no SIP.
noinst_LTLIBRARIES += certs/libcerts.la
certs_libcerts_la_SOURCES = \
	certs/store.c certs/store.h \
	certs/fsutil.c certs/fsutil.h \
	certs/x509util.c certs/x509util.h \
	certs/info.c certs/info.h \
	certs/scan.c certs/scan.h \
	certs/select.c certs/select.h \
	certs/gen_names.c certs/gen_names.h \
	certs/generate.c certs/generate.h \
	certs/request.c certs/request.h \
	certs/trust.c certs/trust.h \
	certs/export.c certs/export.h \
	certs/expiry.c certs/expiry.h
# Its own headers are found next to its sources; the top build directory
# only for config.h, so no other module's header can be included here.
certs_libcerts_la_CPPFLAGS = -I$(top_builddir) $(OPENSSL_CFLAGS)
certs_libcerts_la_LIBADD = $(OPENSSL_LIBS)

check_PROGRAMS += tests/unit/check_certs
UNIT_TESTS += tests/unit/check_certs
tests_unit_check_certs_SOURCES = tests/unit/check_certs.c
tests_unit_check_certs_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir) $(OPENSSL_CFLAGS)
tests_unit_check_certs_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_certs_LDADD = certs/libcerts.la $(OPENSSL_LIBS) $(CHECK_LIBS)
