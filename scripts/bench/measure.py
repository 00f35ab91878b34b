"""Runs one command and reports its wall time and peak memory, for the cost curves of `npm run bench`.

Usage: python measure.py <result.json> <command> [args…]

The command's own output passes through. Wall time is measured around the child alone (this wrapper's start is not
in it); the peak resident set size is the kernel's figure for the child (getrusage of the waited-for child).
"""

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    result_path, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    status = subprocess.call(command)
    elapsed_ms = (time.perf_counter() - started) * 1000
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    with open(result_path, "w") as handle:
        json.dump({"ms": elapsed_ms, "status": status, "peakRssMiB": peak_kib / 1024}, handle)
    sys.exit(status)


if __name__ == "__main__":
    main()
