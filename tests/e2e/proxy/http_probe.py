"""Run inside the node's network namespace: GET a URL repeatedly, print the answers as JSON.

usage: http_probe.py URL COUNT SECONDS — COUNT requests, or as many as fit in SECONDS when
SECONDS > 0. Each request opens a new connection, so each one is load-balanced afresh.
"""

import json
import sys
import time
import urllib.error
import urllib.request


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode().strip()
    except urllib.error.URLError as err:
        if isinstance(err.reason, ConnectionRefusedError):
            return "refused"
        return f"error: {err.reason}"
    except OSError as err:
        return f"error: {err}"


def main() -> None:
    url, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    answers = []
    deadline = time.monotonic() + seconds
    while len(answers) < count or (seconds and time.monotonic() < deadline):
        answers.append(fetch(url))
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
