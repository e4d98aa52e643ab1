#!/usr/bin/env python3
"""notify_listen.py SOCKET OUT [HOST:PORT] -- play the service manager's end
of sd_notify(3): bind a unix datagram socket at SOCKET and write every
datagram into OUT, one field a line, each prefixed by the datagram's number
("3 READY=1", "3 STATUS=..."). With HOST:PORT, the moment a datagram says
READY=1 a TCP connect to HOST:PORT is tried and its outcome written as
"N PROBE=ok" or "N PROBE=failed <error>": READY must mean listening."""
import os
import socket
import sys


def probe(target):
    host, port = target.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return "ok"
    except OSError as e:
        return f"failed {e}"


def main():
    path, out = sys.argv[1], sys.argv[2]
    target = sys.argv[3] if len(sys.argv) > 3 else None
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    n = 0
    with open(out, "a", encoding="utf-8") as f:
        while True:
            data = s.recv(65536).decode("utf-8", "replace")
            n += 1
            fields = [x for x in data.split("\n") if x]
            for field in fields:
                f.write(f"{n} {field}\n")
            if target and "READY=1" in fields:
                f.write(f"{n} PROBE={probe(target)}\n")
            f.flush()


if __name__ == "__main__":
    main()
