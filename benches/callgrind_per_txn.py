#!/usr/bin/env python3
"""Per-transaction instruction counts by function, from the two dumps of one workload
that benches/pg_callgrind.sh leaves (SHORT and LONG transactions): the difference of
each function's inclusive Ir, divided by the difference in transactions, so the
connection, the catalog load and the first plans cancel out.

    python3 benches/callgrind_per_txn.py benches/callgrind/range-extended [TOP] [--self]

With --self, each function's own instructions (without its callees).
"""
import re
import subprocess
import sys


def costs_of(path, inclusive):
    out = subprocess.run(
        ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
         "--threshold=100", path],
        capture_output=True, text=True, check=True,
    ).stdout
    costs, txns = {}, None
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*?:(.+?)(?: \[.*)?$", line)
        if m:
            name = m.group(2)
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    args = [a for a in sys.argv[1:] if a != "--self"]
    inclusive = "--self" not in sys.argv
    base = args[0]
    top = int(args[1]) if len(args) > 1 else 40
    with open(base + ".txns") as f:
        short_txns, long_txns = map(int, f.read().split())
    short, long = costs_of(base + ".short.out", inclusive), costs_of(base + ".out", inclusive)
    per = {k: (long.get(k, 0) - short.get(k, 0)) / (long_txns - short_txns) for k in long}
    for name, ir in sorted(per.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{ir:12,.0f}  {name[:150]}")


main()
