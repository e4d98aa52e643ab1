# ctl/: umsbcctl, the administrator's tool. Reads the config through
# proxy/libproxy.la; the certificate work is certs/.
sbin_PROGRAMS += ctl/umsbcctl
ctl_umsbcctl_SOURCES = \
	ctl/umsbcctl.c ctl/ctl.h \
	ctl/ctl.c \
	ctl/json.c ctl/json.h \
	ctl/cert_print.c ctl/cert_print.h \
	ctl/cmd_cert.c \
	ctl/cmd_trust.c \
	ctl/cmd_daemon.c \
	ctl/cmd_test.c
ctl_umsbcctl_LDADD = proxy/libproxy.la
dist_man_MANS += docs/umsbcctl.8
