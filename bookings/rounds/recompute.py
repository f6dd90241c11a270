"""Recompute a published allocation draw: ``python -m bookings.rounds.recompute published.json``.

Reads the document a council publishes after a draw (:func:`bookings.rounds.draw.to_published`:
anonymised sessions, requests, weights, caps and the seed; ``-`` reads standard input), runs the
draw again and prints the result as JSON on standard output. When the document carries the
published ``result`` too, it says on standard error whether the recomputed one is the same.

Exit status: 0 recomputed (and the same as the published result, if there is one); 1 different
from the published result; 2 the document cannot be read or breaks the draw's rules. Needs no
database, settings or network: only this package and the standard library.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bookings.rounds.draw import DrawInputError, allocate, from_published, inputs_sha256, result_to_published


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bookings.rounds.recompute", description=__doc__.splitlines()[0])
    parser.add_argument("published", help="the published draw (JSON), or - for standard input")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.published == "-" else Path(args.published).read_text(encoding="utf-8")
        inputs, published = from_published(json.loads(text))
        result = allocate(inputs)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, DrawInputError) as error:
        print(f"Cannot recompute: {getattr(error, 'message', error)}", file=sys.stderr)
        return 2
    print(json.dumps(result_to_published(result), indent=2, ensure_ascii=False))
    print(f"inputs_sha256 {inputs_sha256(inputs)}", file=sys.stderr)
    if published is None:
        print("The document has no published result to compare with.", file=sys.stderr)
        return 0
    if published == result:
        print("The recomputed result is the same as the published result.", file=sys.stderr)
        return 0
    print("The recomputed result DIFFERS from the published result.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
