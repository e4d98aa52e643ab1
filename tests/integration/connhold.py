#!/usr/bin/env python3
"""connhold.py -- a hostile (or probing) TCP/TLS client for the integration tests.

Opens COUNT connections to TARGET from the given source addresses (round
robin), optionally completes a TLS handshake with a client certificate, sends
nothing, a partial message, or a message trickled a byte at a time, and holds
them for HOLD seconds while watching which ones umsbcd closes.  With --reopen,
a connection umsbcd closed is opened again at once (a flood that keeps the
pressure on).  Prints one "key value" line per figure, for the shell test:

  opened N            connections the kernel accepted (connect() succeeded)
  handshakes N        TLS handshakes completed (--tls)
  handshake_failed N  TLS handshakes that failed
  closed N            connections umsbcd closed (EOF or reset) while held
  closed_p50_ms / closed_max_ms   how long after opening they were closed
  open_at_end N       still open when HOLD ran out
  answers N           connections that got any bytes back (e.g. a SIP answer)
"""
import argparse
import selectors
import signal
import socket
import ssl
import sys
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True, help="HOST:PORT")
    p.add_argument("--src", required=True, help="A[,B,...] source addresses")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--hold", type=float, default=5.0)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ca")
    p.add_argument("--send", default="", help="bytes sent at once (\\r\\n escapes)")
    p.add_argument("--trickle", default="", help="bytes sent one per --interval s")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--reopen", action="store_true")
    return p.parse_args()


class Conn:
    def __init__(self, a, src):
        self.a = a
        self.src = src
        self.t0 = time.monotonic()
        self.sock = None
        self.ok = False          # connected (and handshaken, with --tls)
        self.trickled = 0
        self.next_trickle = self.t0
        self.answered = False


def tls_context(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if a.ca:
        ctx.load_verify_locations(a.ca)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    return ctx


def open_conn(a, src, host, port, ctx, stats):
    c = Conn(a, src)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((src, 0))
        s.settimeout(5)
        s.connect((host, port))
    except OSError:
        s.close()
        stats["connect_failed"] += 1
        return None
    stats["opened"] += 1
    if a.tls:
        try:
            s = ctx.wrap_socket(s, do_handshake_on_connect=True)
            # TLS 1.3: the server checks our certificate after our Finished; a
            # zero-timeout read surfaces an immediate refusal.
            stats["handshakes"] += 1
        except (ssl.SSLError, OSError):
            stats["handshake_failed"] += 1
            s.close()
            return None
    if a.send:
        try:
            s.sendall(a.send.encode("latin-1"))
        except OSError:
            pass
    s.setblocking(False)
    c.sock = s
    c.ok = True
    return c


def main():
    a = parse_args()
    a.send = a.send.encode().decode("unicode_escape")
    a.trickle = a.trickle.encode().decode("unicode_escape")
    host, port = a.target.rsplit(":", 1)
    port = int(port)
    srcs = a.src.split(",")
    ctx = tls_context(a) if a.tls else None
    stats = {k: 0 for k in ("opened", "handshakes", "handshake_failed", "connect_failed",
                            "closed", "answers")}
    closed_after = []
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(a.count):
        c = open_conn(a, srcs[i % len(srcs)], host, port, ctx, stats)
        if c:
            conns.append(c)
            sel.register(c.sock, selectors.EVENT_READ, c)
    end = [time.monotonic() + a.hold]

    def stop(*_):
        end[0] = 0      # TERM: report the figures, then exit
    signal.signal(signal.SIGTERM, stop)
    while time.monotonic() < end[0]:
        now = time.monotonic()
        for c in conns:
            if c.sock and a.trickle and c.trickled < len(a.trickle) and now >= c.next_trickle:
                try:
                    c.sock.send(a.trickle[c.trickled].encode("latin-1"))
                except (OSError, ssl.SSLError):
                    pass
                c.trickled += 1
                c.next_trickle = now + a.interval
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except ssl.SSLWantReadError:
                continue
            except (OSError, ssl.SSLError):
                data = b""
            if data:
                c.answered = True
                continue
            stats["closed"] += 1
            closed_after.append((time.monotonic() - c.t0) * 1000)
            sel.unregister(c.sock)
            c.sock.close()
            c.sock = None
            if a.reopen and time.monotonic() < end[0]:
                n = open_conn(a, c.src, host, port, ctx, stats)
                if n:
                    conns.append(n)
                    sel.register(n.sock, selectors.EVENT_READ, n)
    stats["answers"] = sum(1 for c in conns if c.answered)
    stats["open_at_end"] = sum(1 for c in conns if c.sock)
    closed_after.sort()
    stats["closed_p50_ms"] = int(closed_after[len(closed_after) // 2]) if closed_after else -1
    stats["closed_max_ms"] = int(closed_after[-1]) if closed_after else -1
    for k, v in stats.items():
        print(k, v)
    for c in conns:
        if c.sock:
            c.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
