"""How fast redaction runs: adversarial long inputs, a realistic detail entry, and a million-row text column.

Usage: python bench/bench_redact.py [--rows N] [--sizes 131072,1048576] [--skip-adversarial]

Adversarial inputs are the shapes that made earlier patterns quadratic (long runs of key-like words, quotes,
escapes, percent signs, repeated prefixes of token shapes). Every figure is the best of a few runs; the
script prints figures only and never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store_load import synthetic_frame  # noqa: E402

from late_logs.redact import redact_text  # noqa: E402
from late_logs.store import redact_text_column  # noqa: E402

# Each builds a text of about `size` characters from a repeated unit.
ADVERSARIAL = {
    "token= runs": lambda n: ("token=" * (n // 6 + 1))[:n],
    "quoted key pairs": lambda n: ('"access_token":"' * (n // 16 + 1))[:n],
    "escaped quotes": lambda n: ('\\"token\\":\\"' * (n // 12 + 1))[:n],
    "backslashes": lambda n: ("\\" * n),
    "percent escapes": lambda n: ("%41" * (n // 3 + 1))[:n],
    "json escapes": lambda n: ("\\n\\u0026" * (n // 8 + 1))[:n],
    "authorization: runs": lambda n: ("Authorization: " * (n // 15 + 1))[:n],
    "cookie: runs": lambda n: ("Cookie: a" * (n // 9 + 1))[:n],
    "letters": lambda n: "a" * n,
    "A runs (X bearer prefix)": lambda n: "A" * n,
    "eyJ. runs (JWT prefix)": lambda n: ("eyJabcde." * (n // 9 + 1))[:n],
    "url userinfo runs": lambda n: ("https://u:" * (n // 10 + 1))[:n],
    "BEGIN without END": lambda n: ("-----BEGIN RSA PRIVATE KEY-----\nMIIE" * (n // 36 + 1))[:n],
    "name/value header pairs": lambda n: ('{"name":"X-API-Key","value":"' * (n // 29 + 1))[:n],
    "xml secret elements": lambda n: ("<token>" * (n // 7 + 1))[:n],
    "open lists after cookie": lambda n: ('cookie: [' * (n // 9 + 1))[:n],
    "escaped percent mix": lambda n: ("\\u0025" + "%5C" * 3 * 0 + "%25" * 3 + "\\n") * (n // 19 + 1),
    "dash-joined names": lambda n: ("token-" * (n // 6 + 1))[:n],
    "dotted words before ://": lambda n: ("a.b-c+" * (n // 6 + 1))[:n] + "://",
    "header names without values": lambda n: ("x-token:" * (n // 8 + 1))[:n],
    "eyJ runs without dots": lambda n: ("eyJ" * (n // 3 + 1))[:n],
    "caption words": lambda n: ("Check out our new feature launch today with the team " * (n // 53 + 1))[:n],
}


def best_of(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="131072,1048576")
    parser.add_argument("--skip-adversarial", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    if not args.skip_adversarial:
        print("adversarial inputs (seconds, best of 3):")
        for name, build in ADVERSARIAL.items():
            figures = []
            for size in sizes:
                text = build(size)
                figures.append(f"{size // 1024} KB {best_of(lambda text=text: redact_text(text)):.3f}")
            print(f"  {name:28s} " + "   ".join(figures))
    token = "EAAB" + "x" * 80
    detail = json.dumps(
        {
            "endpoint": f"graph.facebook.com/v19.0/me/media_publish?access_token={token}",
            "request": {"rawBody": json.dumps({"caption": "Launch day! " * 40, "access_token": token})},
            "response": {"rawBody": json.dumps({"error": {"message": "(#100) Invalid parameter"}})},
        }
    )
    count = 2000
    seconds = best_of(lambda: [redact_text(detail + str(i)) for i in range(count)])
    print(f"realistic detail entry ({len(detail)} chars): {seconds / count * 1e6:.0f} µs each")
    frame = synthetic_frame(args.rows)
    for column in ("post_content", "error_message", "endpoint", "log_id"):
        series = frame[column]
        seconds = best_of(lambda series=series: redact_text_column(series), repeat=2)
        distinct = series.nunique()
        print(f"redact_text_column {column} ({args.rows:,} rows, {distinct:,} distinct): {seconds:.3f} s")


if __name__ == "__main__":
    main()
