#!/usr/bin/env python3
"""promparse.py FILE CMD... -- read a Prometheus text exposition with the
prometheus_client parser (python3-prometheus-client) and check or print it.

  FILE families NAME:TYPE...   each family exists with that type (a counter's
                               family NAME is without _total, as the parser
                               names it); every counter sample ends in _total
  FILE value SAMPLE [k=v...]   print the value of the one sample with exactly
                               these labels (exit 1 if there is none)
  FILE sum SAMPLE [k=v...]     print the sum of the samples whose labels
                               include these (0 if none)
  FILE labels SAMPLE KEY       print the values of label KEY, one a line
A file that does not parse is an error (exit 2) whatever the command.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and friends
        print(f"promparse: {path} does not parse: {e!r}", file=sys.stderr)
        sys.exit(2)


def samples(fams):
    for fam in fams:
        for s in fam.samples:
            yield fam, s


def want_labels(args):
    return dict(a.split("=", 1) for a in args)


def main():
    path, cmd, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    fams = load(path)
    if cmd == "families":
        by_name = {f.name: f for f in fams}
        bad = 0
        for spec in rest:
            name, typ = spec.split(":")
            f = by_name.get(name)
            if f is None or f.type != typ:
                print(f"missing family {name} of type {typ}"
                      f" (got {f.type if f else 'none'})", file=sys.stderr)
                bad = 1
        for fam, s in samples(fams):
            if fam.type == "counter" and not s.name.endswith("_total"):
                print(f"counter sample {s.name} does not end in _total", file=sys.stderr)
                bad = 1
        sys.exit(bad)
    hits = [s for _, s in samples(fams) if s.name == rest[0]]
    want = want_labels(rest[1:]) if cmd in ("value", "sum") else {}
    if cmd == "value":
        exact = [s for s in hits if s.labels == want]
        if len(exact) != 1:
            print(f"{len(exact)} samples {rest[0]}{want}", file=sys.stderr)
            sys.exit(1)
        print(f"{exact[0].value:g}")
    elif cmd == "sum":
        print(f"{sum(s.value for s in hits if want.items() <= s.labels.items()):g}")
    elif cmd == "labels":
        for s in hits:
            print(s.labels.get(rest[1], ""))
    else:
        sys.exit(f"promparse: unknown command {cmd}")


if __name__ == "__main__":
    main()
