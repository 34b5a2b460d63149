"""Take docs/preview.png, the README's picture of the preview: build it, open a page in headless Chromium, shoot.

Run from the repository root after `make test` (it needs selenium, pillow and Debian's chromium):
    .venv/bin/python scripts/screenshot_preview.py [PAGE] [--scroll CSS-SELECTOR]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, serve  # noqa: E402

from musa import preview  # noqa: E402
from musa.project import load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default="en/programme/musa.html")
    parser.add_argument("--scroll", default="svg.hours", help="scroll this element to the top of the window")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "preview.png")
    args = parser.parse_args()
    from PIL import Image
    with tempfile.TemporaryDirectory() as folder:
        preview.build(load(ROOT).project, Path(folder))
        browser = Browser()
        try:
            with serve(Path(folder)) as base:
                browser.open(f"{base}/{args.page}")
                browser.run("document.querySelector(arguments[0]).scrollIntoView()", args.scroll)
                browser.run("window.scrollBy(0, -60)")
                png = browser.screenshot()
        finally:
            browser.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)
    image = image.quantize(colors=128)
    image.save(args.out, optimize=True)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
