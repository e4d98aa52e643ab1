# certs/: certificate store, trust store, selection; OpenSSL only, no SIP.
noinst_LTLIBRARIES += certs/libcerts.la
certs_libcerts_la_SOURCES = certs/store.c certs/store.h
certs_libcerts_la_CPPFLAGS = -I$(top_srcdir) $(OPENSSL_CFLAGS)
certs_libcerts_la_LIBADD = $(OPENSSL_LIBS)
