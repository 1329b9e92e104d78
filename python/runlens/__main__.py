"""``python -m runlens FILE...``: the summaries as JSON lines (as ``runlens summarize --json``)."""

import json
import sys

from . import RunlensError, summarize_all


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m runlens FILE_OR_DIR...  (or python -m runlens.fleet --help)", file=sys.stderr)
        return 2
    failed = False
    for a in args:
        try:
            for r in summarize_all(a):
                print(json.dumps(r))
        except RunlensError as e:
            print(f"runlens: {e}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
