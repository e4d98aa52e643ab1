# util/: small helpers every module may use (socket addresses, the hash
# table, the cross-thread job queue). libc and libevent only; it includes
# nothing of ours (only the top directory is on its include path).
noinst_LTLIBRARIES += util/libutil.la
util_libutil_la_SOURCES = \
	util/hashtab.c util/hashtab.h \
	util/jobq.c util/jobq.h \
	util/netaddr.c util/netaddr.h
util_libutil_la_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir) $(LIBEVENT_CFLAGS)
util_libutil_la_LIBADD = $(LIBEVENT_LIBS)

check_PROGRAMS += tests/unit/check_util
UNIT_TESTS += tests/unit/check_util
tests_unit_check_util_SOURCES = tests/unit/check_util.c
tests_unit_check_util_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir) $(LIBEVENT_CFLAGS)
tests_unit_check_util_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_util_LDADD = util/libutil.la $(LIBEVENT_LIBS) $(CHECK_LIBS)
