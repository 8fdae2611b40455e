"""The second book's toy sequence tasks, made by our own seeded code, and the shipped text.

Both tasks give fixed-width strings, as the book's `addition.txt` and `date.txt` do: a
question padded with spaces, and an answer that starts with "_" (the decoder's start
symbol) and is padded to a fixed width too.

    addition: "16+75  " -> "_91  "         (a + b with 0 <= a, b <= 999: 7 and 5 characters)
    dates:    "september 27, 1994           " -> "_1994-09-27"   (29 and 11 characters)

>>> from tinygrad_edu.sequences import addition_problems, date_problems
>>> questions, answers = addition_problems(3, seed=0)
>>> [len(q) for q in questions], [len(a) for a in answers]
([7, 7, 7], [5, 5, 5])
>>> all(eval(q) == int(a[1:]) for q, a in zip(questions, answers))
True
>>> questions, answers = date_problems(2, seed=0)
>>> [len(q) for q in questions], answers[0][0], len(answers[0])
([29, 29], '_', 11)
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np

TEXT_DIR = Path(__file__).resolve().parents[1] / "data" / "text"

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def addition_problems(count: int = 50_000, seed: int = 1984):
    """`count` different questions "a+b" (0 <= a, b <= 999) and their answers "_sum"."""
    rng = np.random.default_rng(seed)
    pairs = rng.choice(1000 * 1000, size=count, replace=False)  # no question twice
    questions = [f"{p // 1000}+{p % 1000}".ljust(7) for p in pairs]
    answers = [f"_{p // 1000 + p % 1000}".ljust(5) for p in pairs]
    return questions, answers


def _date_text(date: datetime.date, style: int, case: int) -> str:
    month, day = _MONTHS[date.month - 1], _DAYS[date.weekday()]
    if style == 0:
        text = f"{month} {date.day}, {date.year}"
    elif style == 1:
        text = f"{month[:3]} {date.day}, {date.year}"
    elif style == 2:
        text = f"{day}, {month} {date.day}, {date.year}"
    else:
        return f"{date.month}/{date.day}/{date.year % 100:02d}"
    return (str.lower, str.title, str.upper)[case](text)


def date_problems(count: int = 50_000, seed: int = 1984):
    """Dates from 1970 to 2017 written in one of several human formats ("Sep 21, 2014",
    "tuesday, october 16, 2001", "8/30/72", in lower, title or upper case), each with its
    ISO form "_YYYY-MM-DD"."""
    rng = np.random.default_rng(seed)
    first = datetime.date(1970, 1, 1).toordinal()
    days = rng.integers(first, datetime.date(2017, 12, 31).toordinal() + 1, size=count)
    styles, cases = rng.integers(0, 4, size=count), rng.integers(0, 3, size=count)
    questions, answers = [], []
    for day, style, case in zip(days, styles, cases):
        date = datetime.date.fromordinal(int(day))
        questions.append(_date_text(date, int(style), int(case)).ljust(29))
        answers.append("_" + date.isoformat())
    return questions, answers


class Vocabulary:
    """Characters <-> ids, in the order of first appearance (as the book's `sequence.py`).

    >>> v = Vocabulary(["ab", "ba_"])
    >>> v.encode(["ab_"]).tolist(), v.decode([2, 0])
    ([[0, 1, 2]], '_a')
    """

    def __init__(self, texts):
        self.chars = list(dict.fromkeys("".join(texts)))
        self.ids = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, texts) -> np.ndarray:
        """Equal-length strings -> an int64 array (len(texts), length)."""
        return np.array([[self.ids[c] for c in text] for text in texts], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def split(questions, answers, test_fraction=0.1):
    """(x_train, t_train), (x_test, t_test), vocabulary: ids, the last 10% held out."""
    vocabulary = Vocabulary(questions + answers)
    x, t = vocabulary.encode(questions), vocabulary.encode(answers)
    cut = len(x) - int(len(x) * test_fraction)
    return (x[:cut], t[:cut]), (x[cut:], t[cut:]), vocabulary


def load_text(name: str = "genesis_kjv.txt") -> str:
    """A text shipped in data/text/ (see its README for the source and licence)."""
    return (TEXT_DIR / name).read_text(encoding="ascii")
