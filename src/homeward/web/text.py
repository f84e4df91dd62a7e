"""Contact-supplied text made safe to show and to send: file names in a download header, and
bidi controls made visible on the officer pages.

A letter or a file name is written by a stranger. In a header it must not break the response
(an Arabic name once made every download answer 500) nor smuggle a header in; on a page it
must not reorder what the officer reads (`invoice<U+202E>fdp.exe` shows as `invoiceexe.pdf`).
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from markupsafe import Markup, escape

BIDI_CONTROLS = {
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u061c": "ALM",
}
"""Every character that changes the direction of the text around it, by its short name."""

# RFC 5987 attr-char, besides letters and digits: what may stay unencoded in filename*.
_ATTR_CHARS = "!#$&+-.^_`|~"


def _without_controls(text: str) -> str:
    """No control character (CR and LF included) and no bidi control survives."""
    return "".join(
        ch for ch in text if unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS
    )


def ascii_filename(name: str) -> str:
    """The plain `filename="..."` for clients that ignore `filename*`: accents dropped, any
    other non-ASCII character replaced by `_`, quotes and backslashes removed."""
    decomposed = unicodedata.normalize("NFKD", _without_controls(name))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = "".join(ch if " " <= ch <= "~" else "_" for ch in plain if ch not in '"\\').strip()
    path = PurePosixPath(kept.replace("/", "_"))
    if not any(ch.isalnum() for ch in path.stem):
        suffix = path.suffix if path.suffix[1:].isalnum() else ""
        return "file" + suffix
    return kept


def attachment_disposition(name: str) -> str:
    """`Content-Disposition` for a download (RFC 6266): the name in UTF-8, percent-encoded
    (RFC 5987 `filename*`), with an ASCII fallback; always plain ASCII, so it can always be
    sent."""
    full = _without_controls(name).strip() or "file"
    encoded = quote(full, safe=_ATTR_CHARS, encoding="utf-8")
    return f"attachment; filename=\"{ascii_filename(full)}\"; filename*=UTF-8''{encoded}"


def show_bidi(text: object) -> Markup:
    """Jinja filter: the text escaped, each bidi control replaced by a visible marker, so a
    letter reads in the order it was typed."""
    escaped = str(escape(text))
    if not any(ch in escaped for ch in BIDI_CONTROLS):
        return Markup(escaped)  # noqa: S704 - escaped just above
    parts = []
    for ch in escaped:
        short = BIDI_CONTROLS.get(ch)
        if short is None:
            parts.append(ch)
        else:
            parts.append(
                f'<span class="bidi" title="U+{ord(ch):04X} {unicodedata.name(ch).lower()}">'
                f"⟨{short}⟩</span>"
            )
    return Markup("".join(parts))  # noqa: S704 - escaped, then only our own markup added
