/* SSLKEYLOGFILE: the secrets of every TLS connection umsbcd makes or
 * accepts, in the NSS key log format that Wireshark and tshark read, so that
 * a capture of the signaling can be decrypted while debugging (and the
 * benchmark can time messages at umsbcd's own TLS socket). Off unless the
 * variable names a file when umsbcd starts; then UMS2006 says so, since
 * whoever reads the file reads every call's signaling. */
#ifndef UMSBC_TLS_KEYLOG_H
#define UMSBC_TLS_KEYLOG_H

#include <openssl/ssl.h>

/* Has ctx's connections write their secrets to $SSLKEYLOGFILE, if set.
 * Any thread may run the handshakes afterwards. */
void tls_keylog_attach(SSL_CTX *ctx);

#endif
