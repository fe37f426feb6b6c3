"""General repairs of OCR damage on words: glued tokens split apart, look-alike characters fixed.

Every rule here is about how OCR fails, not about any document: a date printed next to a time is
often read as one token (`16/02/201812:04:58`), and words printed in mixed case lose the space between
them (`KedaiMakan`). Split words get boxes cut from the original box in proportion to their length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from extractd.engine.locales import all_locales, vocabulary
from extractd.engine.types import Word

# A day-first numeric date immediately followed by a time; a 4-digit year wins when both readings work.
_GLUED_DATE_TIME = re.compile(
    r"^(?P<head>.*?)(?P<date>\d{1,2}[/.-]\d{1,2}[/.-](?:(?:19|20)\d{2}|\d{2}))"
    r"(?P<time>(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:[AaPp][Mm])?)(?P<tail>.*)$"
)
# A time glued in front of a date (`12:04:5816/02/2018`).
_GLUED_TIME_DATE = re.compile(
    r"^(?P<time>(?:[01]?\d|2[0-3]):[0-5]\d:[0-5]\d)(?P<date>\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})$"
)
# Lower-case letters followed by a capitalised word: the boundary of two words in mixed-case print.
_CASE_BOUNDARY = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z]{2})")
_MIN_SPACED_RUN = 4
# Digits and signs OCR reads in place of capital letters.
_LETTER_LOOKALIKES = {"S": "5$", "B": "8", "O": "0", "I": "1", "Z": "2", "G": "6"}


@cache
def _o_in_number() -> re.Pattern[str]:
    """The letter O read in place of a zero inside a number: `29O,`, `2O18`, `O.50`, and after a
    currency mark the locale files list (`RMO.28`)."""
    marks = sorted({m for loc in all_locales() for m in loc.currency_marks if m.isalpha()}, key=len)
    after_mark = "|".join(f"(?<={re.escape(m)})O(?=[.,]\\d)" for m in reversed(marks))
    return re.compile(
        r"(?<=\d)[Oo](?=\d|[.,]\d|\W*$)|^[Oo](?=[.,]\d\d\W*$)" + (f"|{after_mark}" if after_mark else "")
    )


@cache
def _abbreviation_lookalikes() -> tuple[tuple[re.Pattern[str], str], ...]:
    """`5/B`, `S/8` → `S/B`: short abbreviations of the locale files (company forms such as `S/B`) read
    with a digit look-alike of one of their letters."""
    found = []
    for abbreviation in vocabulary("abbreviations"):
        pattern = "".join(
            f"[{re.escape(ch + _LETTER_LOOKALIKES.get(ch, ''))}]" if ch.isalpha() else re.escape(ch)
            for ch in abbreviation
        )
        found.append((re.compile(f"^{pattern}(?P<tail>\\W*)$"), abbreviation))
    return tuple(found)


def split_word(word: Word, parts: list[str]) -> list[Word]:
    """`word` cut into `parts` (which concatenate to its text), each with a proportional share of the box."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return [word]
    x0, y0, x1, y1 = word.bbox
    per_char = (x1 - x0) / max(sum(len(p) for p in parts), 1)
    pieces, cursor = [], x0
    for part in parts:
        end = cursor + per_char * len(part)
        pieces.append(Word(part, (cursor, y0, end, y1), word.confidence))
        cursor = end
    return pieces


def split_glued_date_time(text: str) -> list[str]:
    """Separate a date and a time the OCR read as one token; [text] when there is nothing to split."""
    match = _GLUED_DATE_TIME.match(text)
    if match:
        return [match["head"], match["date"], match["time"], match["tail"]]
    match = _GLUED_TIME_DATE.match(text)
    if match:
        return [match["time"], match["date"]]
    return [text]


def split_case_boundaries(text: str) -> list[str]:
    """`KedaiMakan` → [`Kedai`, `Makan`]; all-caps or all-lower words are left alone."""
    return _CASE_BOUNDARY.split(text)


def fix_lookalikes(text: str) -> str:
    """Characters misread as their look-alikes where the intended token is unambiguous."""
    for pattern, abbreviation in _abbreviation_lookalikes():
        match = pattern.match(text)
        if match:
            return abbreviation + match["tail"]
    if any(ch.isdigit() for ch in text):
        return _o_in_number().sub("0", text)
    return text


@cache
def _glued_number_sign() -> re.Pattern[str]:
    """`NO290`: a number abbreviation of the locale files glued to the number (`NO.59` keeps its dot and
    reads fine)."""
    signs = "|".join(re.escape(w) for w in vocabulary("number_sign"))
    return re.compile(rf"^(?P<sign>(?i:{signs}))(?P<number>\d[\w/-]*\W*)$" if signs else r"(?!)")


def split_number_sign(text: str) -> list[str]:
    """`NO290` → [`NO`, `290`]."""
    match = _glued_number_sign().match(text)
    return [match["sign"], match["number"]] if match else [text]


def collapse_spaced_characters(text: str) -> str:
    """`T E L : 0 3 - 5 8 9 1` → `TEL:03-5891`: runs of four or more single characters are one token
    (the recogniser sometimes puts a space between every character of a line)."""
    tokens = text.split(" ")
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1:
            run.append(token)
            continue
        out.extend(["".join(run)] if len(run) >= _MIN_SPACED_RUN else run)
        run = []
        if token:
            out.append(token)
    return " ".join(out)


def repair_word(word: Word) -> list[Word]:
    text = fix_lookalikes(word.text)
    fixed = word if text == word.text else Word(text, word.bbox, word.confidence)
    pieces: list[Word] = []
    for piece in split_word(fixed, split_glued_date_time(fixed.text)):
        for part in split_word(piece, split_number_sign(piece.text)):
            pieces.extend(split_word(part, split_case_boundaries(part.text)))
    return pieces


def repair_words(words: Iterable[Word]) -> list[Word]:
    """Every word with the general OCR repairs applied (split words keep their order)."""
    repaired: list[Word] = []
    for word in words:
        repaired.extend(repair_word(word))
    return repaired
