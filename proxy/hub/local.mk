# proxy/hub/: the Hub Transport SMTP relay (issue 5), in libproxy like the
# rest of the daemon. hub.h is what the rest of the daemon may include; the
# other headers are the relay's own. One concern per file:
#   conf         the hub_transport group       smtp_syntax  SMTP reply/command/EHLO syntax
#   data_stream  end of DATA, line rules       hub_session  the session toward the Hub
#   um_session   the session with a UM server  relay        listener, sockets, TLS, wiring
proxy_libproxy_la_SOURCES += proxy/hub/hub.h \
	proxy/hub/conf.c proxy/hub/conf.h \
	proxy/hub/data_stream.c proxy/hub/data_stream.h \
	proxy/hub/hub_session.c proxy/hub/hub_session.h \
	proxy/hub/relay.c \
	proxy/hub/smtp_syntax.c proxy/hub/smtp_syntax.h \
	proxy/hub/um_session.c proxy/hub/um_session.h

check_PROGRAMS += tests/unit/check_hub
UNIT_TESTS += tests/unit/check_hub
tests_unit_check_hub_SOURCES = tests/unit/check_hub.c tests/unit/hub_suites.h \
	tests/unit/check_hub_proto.c tests/unit/check_hub_session.c
tests_unit_check_hub_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_hub_LDADD = proxy/libproxy.la $(CHECK_LIBS)

INTEGRATION_TESTS += tests/integration/t-hub-relay.sh tests/integration/t-hub-fail.sh \
	tests/integration/t-hub-lost.sh
EXTRA_DIST += \
	tests/integration/hub/hub-lib.sh tests/integration/hub/main.cf.in \
	tests/integration/hub/master.cf.in
