"""One normalisation before every check of free text (DESIGN.md §5.4, §5.10).

`clean` is what a form keeps: NFKC (fullwidth and styled letters become plain ones) and no
invisible format characters (Unicode category Cf: zero-width space, BOM, soft hyphen,
left-to-right marks...). Those characters look like nothing on the page yet split an email
address or a name in two for every detector, so they are removed before anything is stored.
Two are kept: a zero-width joiner between two emoji (it builds one emoji, "👩‍💻"), and the
bidirectional overrides, which forms.NoControlCharacters refuses with a message of their own.

`fold` is for matching only, never shown: Cyrillic and Greek letters that look like Latin ones
("Acme" typed with Cyrillic A, c, m, e) become those Latin letters, one character for one, so a
span found in the folded text is the same span in the original.
"""

from __future__ import annotations

import unicodedata
from functools import cache

ZWJ = "\u200d"
# Kept by clean(): forms.NoControlCharacters refuses them with a clear message.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Scripts whose lookalikes of Latin letters are folded (confusable_homoglyphs' script names).
FOLDED_SCRIPTS = ("CYRILLIC", "GREEK")
_EMOJI_TRAILERS = frozenset("\ufe0f\ufe0e")  # variation selectors between an emoji and a ZWJ


def clean(text: str) -> str:
    """NFKC, with every invisible format character removed (see the module's docstring)."""
    if not text:
        return text
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    kept: list[str] = []
    for index, ch in enumerate(text):
        visible = unicodedata.category(ch) != "Cf" or ch in BIDI_CONTROLS
        if visible or (ch == ZWJ and _is_emoji_join(text, index)):
            kept.append(ch)
    return "".join(kept)


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") and ord(ch) > 0x2000


def _is_skin_tone(ch: str) -> bool:
    return "\U0001f3fb" <= ch <= "\U0001f3ff"


def _is_emoji_join(text: str, index: int) -> bool:
    before = index - 1
    while before >= 0 and (text[before] in _EMOJI_TRAILERS or _is_skin_tone(text[before])):
        before -= 1
    after = index + 1
    return before >= 0 and after < len(text) and _is_emoji(text[before]) and _is_emoji(text[after])


def fold(text: str) -> str:
    """Latin lookalikes of Cyrillic and Greek letters replaced by the Latin letters; same length."""
    if not text or text.isascii():
        return text
    table = _fold_table()
    return text.translate(table)


@cache
def _fold_table() -> dict[int, str]:
    """From confusable_homoglyphs' data (Unicode's confusables.txt): each Cyrillic or Greek
    character that has a single ASCII-letter homoglyph, mapped to it."""
    from confusable_homoglyphs import categories, utils

    # The data file read here, not through confusable_homoglyphs.confusables, whose module would
    # keep the whole 0.9 MB table (about 6 MB in memory) for as long as the process lives.
    table: dict[int, str] = {}
    for char, homoglyphs in utils.load("confusables.json").items():
        if len(char) != 1 or categories.alias(char) not in FOLDED_SCRIPTS:
            continue
        letters = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii()]
        letters = [c for c in letters if c.isalpha()]
        if letters:
            table[ord(char)] = letters[0]
    # Lower-case letters whose capital is a lookalike read as that letter too ("м" as m).
    for code, latin in list(table.items()):
        lower = chr(code).lower()
        if len(lower) == 1 and lower != chr(code) and ord(lower) not in table:
            table[ord(lower)] = latin.lower()
    return table


# Tab, newline and carriage return are fine in multi-line text; nothing else below space is.
_MULTILINE_ALLOWED = {"\t", "\n", "\r"}
MAX_QUERY_LENGTH = 200


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    allowed = _MULTILINE_ALLOWED if multiline else set()
    for ch in value:
        if ch in allowed:
            continue
        # Bidirectional overrides can disguise text (an email that reads otherwise than it is).
        if ch in BIDI_CONTROLS or unicodedata.category(ch) == "Cc":
            return True
    return False


def clean_query(value: str) -> str:
    """A search query made safe to use: control characters dropped, length capped."""
    cleaned = "".join(
        " " if has_control_characters(ch) else ch for ch in (value or "")[:MAX_QUERY_LENGTH]
    )
    return " ".join(cleaned.split())
