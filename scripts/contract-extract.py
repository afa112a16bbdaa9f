"""Rewrite contract_test/data/contract.json from the sources committed in contract_test/data/source/.

The OpenAPI document is committed gzip-compressed; this unpacks it into a temporary folder beside
operations.json and SOURCES.md, which is the folder layout contract_test/extract.py's build() reads,
and writes what it makes of them. Nothing outside the checkout is read.
"""

import gzip
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract_test import extract  # noqa: E402  (the checkout must be importable first)

SOURCE = ROOT / "contract_test" / "data" / "source"
OUTPUT = ROOT / "contract_test" / "data" / "contract.json"


def unpack(source: Path, folder: Path) -> Path:
    """The committed sources as plain files in `folder`: the layout extract.build() reads."""
    with gzip.open(source / "openapi-derefed.json.gz", "rb") as packed, open(
        folder / "openapi-derefed.json", "wb"
    ) as out:
        shutil.copyfileobj(packed, out)
    for name in ("operations.json", "SOURCES.md"):
        shutil.copyfile(source / name, folder / name)
    return folder


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="contract-source-") as folder:
        text = extract.render(extract.build(unpack(SOURCE, Path(folder))))
    changed = not OUTPUT.is_file() or OUTPUT.read_text(encoding="utf-8") != text
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"{'rewrote' if changed else 'unchanged:'} {OUTPUT.relative_to(ROOT)} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
