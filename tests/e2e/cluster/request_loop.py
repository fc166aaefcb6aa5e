"""Run inside the node's network namespace: GET a URL again and again, print the answers.

    python -m tests.e2e.cluster.request_loop URL --count N        N requests
    python -m tests.e2e.cluster.request_loop URL --until FILE     until FILE exists

Each request opens a new connection, so kube-proxy's rules pick an endpoint afresh every
time. Prints a JSON list of [start time (time.time()), answer]: the body, "refused" or
"error: …", so a caller can tell which requests began after some moment.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from tests.e2e.proxy.http_probe import fetch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--until", default="")
    # A pause between requests in --until mode keeps the load polite on a 2-core machine.
    parser.add_argument("--interval", type=float, default=0.02)
    args = parser.parse_args()
    answers: list[tuple[float, str]] = []
    while len(answers) < args.count or (args.until and not os.path.exists(args.until)):
        started = time.time()
        answers.append((started, fetch(args.url)))
        if args.until:
            time.sleep(args.interval)
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
