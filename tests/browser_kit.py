"""What the browser tests check on every page they visit: axe-core finds no serious
or critical accessibility violation, the page weighs under 100 KB without media, and
Persian pages lay out right to left. Screenshots are saved small (palette PNGs)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from PIL import Image

AXE = Path(__file__).with_name("fixtures") / "axe" / "axe.min.js"
MAX_BYTES = 100_000
SCREENSHOTS = os.environ.get("ALTERAM_SCREENSHOTS")  # e.g. docs/screenshots

# The page's own bytes and those of everything it loaded except images.
WEIGHT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  let total = nav ? nav.encodedBodySize : 0;
  for (const r of performance.getEntriesByType('resource')) {
    if (r.initiatorType !== 'img') total += r.encodedBodySize;
  }
  return total;
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations'], preload: false});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
         v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


def install_axe(context: Any) -> None:
    """Make ``axe`` available on every page of ``context`` (an init script runs through
    the DevTools protocol, outside the page's Content-Security-Policy)."""
    context.add_init_script(path=str(AXE))


def audit(p: Any) -> None:
    """The checks every visited page must pass."""
    p.wait_for_load_state("load")
    where = p.url
    violations = p.evaluate(AXE_RUN)
    assert not violations, f"axe-core on {where}: {violations}"
    if not where.startswith("file:"):  # file:// reports no sizes; the same pages are weighed live
        weight = p.evaluate(WEIGHT)
        assert 0 < weight < MAX_BYTES, f"{where} weighs {weight} bytes without media"
    lang = p.locator("html").get_attribute("lang")
    if lang == "fa":
        assert p.locator("html").get_attribute("dir") == "rtl", where
        assert p.evaluate("getComputedStyle(document.body).direction") == "rtl", where


def screenshot(p: Any, name: str, tmp: Path) -> Path:
    """A small palette PNG of the viewport, in ALTERAM_SCREENSHOTS or ``tmp``."""
    out_dir = Path(SCREENSHOTS) if SCREENSHOTS else tmp
    out_dir.mkdir(parents=True, exist_ok=True)
    shot = Image.open(io.BytesIO(p.screenshot(full_page=False)))
    shot = shot.convert("RGB").resize((shot.width * 4 // 5, shot.height * 4 // 5))
    path = out_dir / f"{name}.png"
    shot.quantize(colors=64).save(path, optimize=True)
    assert path.stat().st_size < 200_000
    return path
