"""The toy sequence tasks (made by our seeded code, in the book's fixed-width format) and the
shipped text."""

import datetime
import re

import numpy as np

from tinygrad_edu.sequences import Vocabulary, addition_problems, date_problems, load_text, split


def test_addition_problems_are_right_distinct_fixed_width_and_repeatable():
    questions, answers = addition_problems(2000, seed=3)
    assert len(set(questions)) == 2000
    assert {len(q) for q in questions} == {7} and {len(a) for a in answers} == {5}
    for q, a in zip(questions, answers):
        left, right = q.strip().split("+")
        assert 0 <= int(left) <= 999 and 0 <= int(right) <= 999
        assert a.startswith("_") and int(a[1:]) == int(left) + int(right)
    assert addition_problems(2000, seed=3) == (questions, answers)
    assert addition_problems(2000, seed=4) != (questions, answers)


def test_date_problems_name_the_same_day_as_their_iso_answer():
    questions, answers = date_problems(500, seed=0)
    assert {len(q) for q in questions} == {29} and {len(a) for a in answers} == {11}
    months = {m.lower(): i + 1 for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"])}
    styles = set()
    for q, a in zip(questions, answers):
        day = datetime.date.fromisoformat(a[1:])
        assert datetime.date(1970, 1, 1) <= day <= datetime.date(2017, 12, 31)
        text = q.strip()
        if "/" in text:
            m, d, y = map(int, text.split("/"))
            assert (m, d, y) == (day.month, day.day, day.year % 100)
            styles.add("numeric")
            continue
        words = re.findall(r"[A-Za-z]+", text)
        number = [n for n in re.findall(r"\d+", text)]
        month = next(months[k] for k in months if k.startswith(words[-1].lower()))
        assert (month, int(number[0]), int(number[1])) == (day.month, day.day, day.year)
        if len(words) == 2:
            assert words[0].lower() == day.strftime("%A").lower()  # the right weekday
        styles.add((len(words), len(words[-1]) == 3, text.isupper(), text.islower()))
    assert len(styles) >= 8  # the formats and cases are all there


def test_split_holds_out_the_last_tenth_and_encodes_every_character():
    (x_train, t_train), (x_test, t_test), vocabulary = split(*addition_problems(1000, seed=0))
    assert x_train.shape == (900, 7) and t_test.shape == (100, 5)
    assert x_train.dtype == np.int64 and len(vocabulary) == 13  # 0-9, +, space, _
    assert vocabulary.decode(t_test[0])[0] == "_"
    assert vocabulary.encode([vocabulary.decode(x_test[5])]).tolist() == [x_test[5].tolist()]
    assert Vocabulary(["ba", "c"]).chars == ["b", "a", "c"]


def test_the_shipped_text_is_genesis_in_plain_ascii():
    text = load_text()
    assert text.startswith("In the beginning God created the heaven and the earth.")
    assert 150_000 < len(text) < 300_000 and text.isascii()
    assert text.count("\n") == 1533  # one verse per line
