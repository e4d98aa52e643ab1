#!/usr/bin/env python3
"""sip-latency.py PCAP [UM-ADDRESS] -- call set-up latency through a proxy
from a packet capture (pcap, not pcapng: dumpcap -P), for signaling.sh.

Reads the IPv4 UDP datagrams whose payload starts with "INVITE " or
"SIP/2.0 100 " and every TCP segment with a payload (the capture filter
keeps only those). A TCP segment may carry several messages (a server that
writes a loop turn at once): every INVITE or 100 that starts a line there
counts, with the segment's time. Per Call-ID it takes the first INVITE not
addressed to the UM server (the gateway's), the first 100 and the first
INVITE addressed to UM-ADDRESS (default 127.0.0.20: the forwarded one). Prints one line, times in
microseconds from the capture's timestamps:

  p50_100 p99_100 p50_fwd p99_fwd n_100 n_fwd

(a percentile is "-" when no call had both packets). tshark did the same in
minutes for 90,000 packets; this takes seconds.

  sip-latency.py PCAP UM-ADDRESS --tls FIELDS

times the gateway's side at umsbcd's own TLS socket instead: FIELDS is what
tshark printed for the decrypted port-5061 frames (umsbcd's SSLKEYLOGFILE),
one frame a line, "time|tcp.dstport|Call-IDs|methods|status codes" (lists
comma-separated, tshark -T fields -E separator='|'): the first INVITE to
port 5061 and the first 100 from it, per Call-ID. A frame with requests and
responses mixed (their lists then do not line up with its Call-IDs) is left
out. The forwarded INVITE still comes from PCAP.
"""
import re
import socket
import struct
import sys

CALLID = re.compile(rb"\r\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]+)", re.I)
# A message of interest starts the payload or a line inside it.
START = re.compile(rb"(?:^|(?<=\n))(INVITE |SIP/2\.0 100 )")
LINK_HDR = {1: 14, 113: 16, 276: 20, 0: 4, 101: 0, 228: 0}


def packets(path):
    with open(path, "rb") as f:
        gh = f.read(24)
        magic = gh[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            e = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            e = ">"
        else:
            sys.exit("sip-latency.py: not a pcap file (write it with dumpcap -P)")
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        link = struct.unpack(e + "I", gh[20:24])[0]
        if link not in LINK_HDR:
            sys.exit("sip-latency.py: link type %d not handled" % link)
        skip = LINK_HDR[link]
        rec = struct.Struct(e + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, incl, _ = rec.unpack(h)
            data = f.read(incl)
            yield sec + frac / (1e9 if nano else 1e6), data[skip:]


def tls_times(path, inv, t100):
    """First INVITE to 5061 and first 100 from it, per Call-ID, from tshark's fields."""
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("|")
            if len(parts) < 5:
                continue
            ts, dport = float(parts[0]), parts[1]
            ids = parts[2].split(",")
            if dport == "5061":
                kinds, table, want = parts[3].split(","), inv, "INVITE"
            else:
                kinds, table, want = parts[4].split(","), t100, "100"
            if len(kinds) != len(ids):
                continue
            for c, k in zip(ids, kinds):
                if k == want:
                    table.setdefault(c.strip().encode(), ts)


def main():
    args = sys.argv[1:]
    tls = None
    if "--tls" in args:
        i = args.index("--tls")
        tls = args[i + 1]
        del args[i:i + 2]
    um = socket.inet_aton(args[1] if len(args) > 1 else "127.0.0.20")
    inv, fwd, t100 = {}, {}, {}
    if tls:
        tls_times(tls, inv, t100)
    for ts, ip in packets(args[0]):
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        proto = ip[9]
        dst = ip[16:20]
        if proto == 17:
            pl = ip[ihl + 8:]
        elif proto == 6:
            pl = ip[ihl + ((ip[ihl + 12] >> 4) * 4):]
        else:
            continue
        starts = [m.start() for m in START.finditer(pl)] if proto == 6 else [0]
        for i, at in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(pl)
            msg = pl[at:end]
            if msg.startswith(b"INVITE "):
                table = fwd if dst == um else (None if tls else inv)
            elif msg.startswith(b"SIP/2.0 100 ") and not tls:
                table = t100
            else:
                continue
            if table is None:
                continue
            m = CALLID.search(msg)
            if m:
                table.setdefault(m.group(1).strip(), ts)

    def pct(v, p):
        if not v:
            return "-"
        i = max(1, int(len(v) * p + 0.5))
        return "%.0f" % v[i - 1]

    a = sorted((t100[c] - t) * 1e6 for c, t in inv.items() if c in t100)
    b = sorted((fwd[c] - t) * 1e6 for c, t in inv.items() if c in fwd)
    print(pct(a, 0.5), pct(a, 0.99), pct(b, 0.5), pct(b, 0.99), len(a), len(b))


if __name__ == "__main__":
    main()
