"""In-page checks for the browser tests: CJK glyphs really render, and nothing overflows sideways."""

from dataclasses import dataclass

# Draws each character with the page's own body font onto a canvas and returns its alpha channel.
# Chromium draws every character that no installed font covers as the same .notdef box, so with no
# CJK font two different Chinese characters give identical pixels, equal to an unassigned code point's.
_GLYPHS_JS = """
(chars) => {
  const font = getComputedStyle(document.body).fontFamily;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.font = `48px ${font}`;
  ctx.textBaseline = "top";
  ctx.fillStyle = "#000";
  const glyphs = {};
  for (const ch of chars) {
    ctx.clearRect(0, 0, 64, 64);
    ctx.fillText(ch, 8, 8);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    const alpha = [];
    for (let i = 3; i < data.length; i += 4) alpha.push(data[i]);
    glyphs[ch] = alpha;
  }
  return { font, glyphs };
}
"""

# Two common characters of the product's vocabulary (纠纷 dispute, 调解 mediation), and U+0378, a code
# point Unicode leaves unassigned: no font has it, so it always renders as the missing-glyph box.
CJK_SAMPLES = ("纠", "调")
MISSING_GLYPH = "\u0378"


@dataclass
class GlyphReport:
    font: str
    ink: dict[str, int]
    distinct: bool
    differs_from_missing: bool

    @property
    def ok(self) -> bool:
        return self.distinct and self.differs_from_missing and all(self.ink[c] for c in CJK_SAMPLES)

    def __str__(self) -> str:
        return (
            f"body font {self.font!r}; inked pixels {self.ink}; CJK samples distinct: {self.distinct}; "
            f"differ from the missing-glyph box: {self.differs_from_missing}"
        )


def cjk_glyph_report(page) -> GlyphReport:
    result = page.evaluate(_GLYPHS_JS, [*CJK_SAMPLES, MISSING_GLYPH])
    glyphs = result["glyphs"]
    first, second = (glyphs[c] for c in CJK_SAMPLES)
    return GlyphReport(
        font=result["font"],
        ink={c: sum(1 for a in alpha if a) for c, alpha in glyphs.items()},
        distinct=first != second,
        differs_from_missing=all(glyphs[c] != glyphs[MISSING_GLYPH] for c in CJK_SAMPLES),
    )


# The page's own width, and every visible element whose box reaches past the right edge of the
# viewport. The second catches content that is cut off when `overflow-x: hidden` hides the scrollbar.
_OVERFLOW_JS = """
(clippedBy) => {
  const width = window.innerWidth;
  const sticking = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (clippedBy && el.parentElement && el.parentElement.closest(clippedBy)) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || (r.width <= 1 && r.height <= 1)) continue;
    if (r.right > width + 0.5 || r.left < -0.5) {
      const id = el.id ? "#" + el.id : "";
      const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      sticking.push(`${el.tagName.toLowerCase()}${id}${cls} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
  }
  return {
    innerWidth: width,
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    sticking: sticking.slice(0, 10),
  };
}
"""


def horizontal_overflow(page, clipped_by: str | None = None) -> dict:
    return page.evaluate(_OVERFLOW_JS, clipped_by)


def assert_no_horizontal_scroll(page, clipped_by: str | None = None) -> None:
    """`clipped_by`: a selector for containers that clip their content (`overflow: hidden`), such as
    a map whose drawing layer is wider than its frame; what lies inside them is not checked."""
    o = horizontal_overflow(page, clipped_by)
    assert o["scrollWidth"] <= o["innerWidth"], f"page scrolls sideways: {o}"
    assert o["bodyScrollWidth"] <= o["innerWidth"], f"body content wider than the screen: {o}"
    assert not o["sticking"], f"elements reach past the screen edge: {o}"


# Everything a finger is meant to hit, and how tall it is. A checkbox or radio counts with its label
# (tapping the label ticks it), so its target is the taller of the two. Targets hidden or visually
# hidden (1 px) are skipped. Plain links count only when `links` is set, and then not in running text
# (a paragraph, an alert, a help or error text: WCAG 2.5.8 "inline").
_TAP_TARGETS_JS = """
([minimum, links]) => {
  const controls = "a.btn, a.nav-link, a.list-group-item-action, a.page-link, button, summary, "
    + "select, textarea, input:not([type=hidden])";
  const selector = links ? controls + ", a[href]" : controls;
  const running = "p, .alert, .form-text, .invalid-feedback, .visually-hidden-focusable";
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.matches("a:not(.btn):not(.nav-link):not(.list-group-item-action):not(.page-link)")
        && el.closest(running)) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    let r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    let height = r.height;
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      const label = el.labels && el.labels[0];
      if (label) height = Math.max(height, label.getBoundingClientRect().height);
    }
    if (height + 0.5 < minimum) {
      const id = el.id ? "#" + el.id : "";
      const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 20);
      small.push(`${el.tagName.toLowerCase()}${id}${cls} "${text}" ${Math.round(height)}px`);
    }
  }
  return small;
}
"""


def small_tap_targets(page, minimum: int = 44, *, links: bool = False) -> list[str]:
    """The visible controls (buttons, form fields, button-like links, summaries; with `links`, also
    plain links outside running text) less than `minimum` CSS pixels tall: too small to hit with a
    finger on a phone."""
    return page.evaluate(_TAP_TARGETS_JS, [minimum, links])


def assert_tap_targets(page, minimum: int = 44, *, links: bool = False) -> None:
    small = small_tap_targets(page, minimum, links=links)
    assert not small, f"tap targets under {minimum}px on {page.url}: {small[:12]}"
