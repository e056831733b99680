"""Where the official client (ricloud-py 3.2.0) is, for conftest.py and for `npm run test:interop`'s preflight
(scripts/interop.mjs runs this file: it prints why the client is missing and exits 1, or exits 0).

The order: RICLOUD_PY_PATH, else ../shared/peers/ricloud-py-3.2.0 next to the repository, else an installed
`ricloud` (pip install ricloud==3.2.0).
"""

import importlib.util
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def find_client():
    """The folder to put on sys.path for `import ricloud` (None: already importable), or raise LookupError."""
    given = os.environ.get("RICLOUD_PY_PATH")
    if given:
        if not (Path(given) / "ricloud" / "__init__.py").is_file():
            raise LookupError("RICLOUD_PY_PATH=%s holds no ricloud package" % given)
        return str(Path(given).resolve())
    peer = REPO.parent / "shared" / "peers" / "ricloud-py-3.2.0"
    if (peer / "ricloud" / "__init__.py").is_file():
        return str(peer.resolve())
    if importlib.util.find_spec("ricloud") is not None:
        return None
    raise LookupError(
        "the official client ricloud 3.2.0 was not found: set RICLOUD_PY_PATH, provide "
        "../shared/peers/ricloud-py-3.2.0 or pip install ricloud==3.2.0"
    )


if __name__ == "__main__":
    try:
        find_client()
    except LookupError as exc:
        print(exc)
        sys.exit(1)
