"""Text normalisation (Persian, Arabic, Latin) and the MinHash near-duplicate fingerprint."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alteram.fingerprint.text import (
    EMPTY_TEXT_SHA256,
    JACCARD_THRESHOLD,
    MINHASH_BYTES,
    NUM_PERM,
    SALTS,
    SHORT_TEXT_CHARS,
    TextFingerprint,
    decode_signature,
    matches,
    minhash_signatures,
    mix64,
    normalize,
    required_agreement,
    shingle_hashes,
    similarity,
    text_fingerprint,
    text_fingerprints,
)

# -- normalisation -------------------------------------------------------------------

SENTENCE = "من می‌خواهم این کتاب را در سال ۱۴۰۳ بخوانم"
PERSIAN_VARIANTS = [
    SENTENCE,
    "من مي‌خواهم اين كتاب را در سال ۱۴۰۳ بخوانم",  # Arabic yeh (U+064A) and kaf (U+0643)
    "من مى‌خواهم اىن كتاب را در سال ۱۴۰۳ بخوانم",  # alef maksura (U+0649) as yeh
    "من میخواهم این کتاب را در سال ۱۴۰۳ بخوانم",  # no ZWNJ
    "مـــن می‌خـواهم ایـــن کتـاب را در سـال ۱۴۰۳ بخوانـم",  # tatweel
    "مَن می‌خواهَم این کِتاب را دَر سالِ ۱۴۰۳ بِخوانَم",  # harakat
    "من می‌خواهم این کتاب را در سال ١٤٠٣ بخوانم",  # Arabic-Indic digits
    "من می‌خواهم این کتاب را در سال 1403 بخوانم",  # Latin digits
    "من  می‌خواهم\u200f این کتاب را، در سال ۱۴۰۳، بخوانم.",  # RLM, Persian comma, full stop
    "ﻣﻦ ﻣﻲ‌ﺧﻮاﻫﻢ اﻳﻦ ﻛﺘﺎﺏ ﺭا ﺩﺭ ﺳﺎﻝ ۱۴۰۳ ﺑﺨﻮاﻧﻢ",  # Arabic presentation forms
    "  من\tمی‌خواهم\nاین   کتاب را در سال ۱۴۰۳ بخوانم  ",  # whitespace
]


@pytest.mark.parametrize("variant", PERSIAN_VARIANTS)
def test_persian_and_arabic_spellings_normalise_identically(variant: str) -> None:
    assert normalize(variant) == "من میخواهم این کتاب را در سال 1403 بخوانم"
    assert text_fingerprint(variant) == text_fingerprint(SENTENCE)


def test_each_rule() -> None:
    assert normalize("يىك") == "ییک"
    assert normalize("مدرسة") == normalize("مدرسه") == "مدرسه"
    assert normalize("مدرسة", teh_marbuta=False) == "مدرسة"
    assert normalize("خانۀ من") == normalize("خانه من")
    assert normalize("أحمد إلى آب مسؤول شئ") == "احمد الی اب مسوول شی"
    assert normalize("ـــــ") == ""
    assert normalize("قُرْآنٌ") == "قران"  # tanwin, sukun, madda
    assert normalize("هٰذا") == "هذا"  # superscript alef U+0670
    assert normalize("۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩ ０１２") == "0123456789 0123456789 012"
    assert normalize("«آزادی»؛ چرا؟ ٪۵۰ – آری!") == "ازادی چرا 50 اری"
    assert normalize("نمی‌خواهم") == normalize("نمیخواهم") == "نمیخواهم"
    assert normalize("نمی خواهم") == "نمی خواهم"  # a real space stays a space
    assert normalize("Ｃａｆé  NAÏVE\u00adness ﬁne") == "cafe naiveness fine"
    assert normalize("Straße ΣΊΣΥΦΟΣ") == "strasse σισυφοσ"
    assert normalize("don't—stop...now") == "don t stop now"
    assert normalize("👍🏽 ❤️ ok") == normalize("👍🏽 ❤ ok")  # variation selector dropped
    assert normalize("한국어") == "한국어"  # Hangul recomposed after NFD
    assert normalize("\u202bمتن\u202c\ufeff") == "متن"  # bidi embedding, BOM


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip() and "  " not in once


# -- fingerprints --------------------------------------------------------------------

POST = (
    "زن، زندگی، آزادی. ما برای حق انتخاب پوشش و آزادی بیان در خیابان‌ها هستیم و هیچ "
    "قدرتی نمی‌تواند صدای ما را خاموش کند. این پیام را بازنشر کنید تا همه بدانند که "
    "در شهر ما چه می‌گذرد."
)
POST_ONE_WORD = POST.replace("خاموش", "ساکت")
POST_ARABIC_KEYBOARD = POST.replace("ی", "ي").replace("ک", "ك").replace("\u200c", "")
OTHER_POST = (
    "فروش ویژه کفش و لباس ورزشی تا پایان هفته با تخفیف پنجاه درصد در همه شعبه‌های "
    "فروشگاه ما. برای دریافت کد تخفیف به صفحه ما مراجعه کنید و دوستان خود را خبر کنید."
)
ENGLISH = (
    "The council met on Tuesday to discuss the new housing plan. Residents asked for "
    "more time to read the proposal before any vote, and the mayor agreed to wait."
)


def test_near_duplicates_match_and_unrelated_texts_do_not() -> None:
    post = text_fingerprint(POST)
    assert post.minhash is not None and len(post.minhash) == MINHASH_BYTES
    assert text_fingerprint(POST_ARABIC_KEYBOARD) == post  # identical after normalisation
    edited = text_fingerprint(POST_ONE_WORD)
    assert edited.exact_sha256 != post.exact_sha256
    assert JACCARD_THRESHOLD <= similarity(post, edited) < 1.0
    assert matches(post, edited)
    for other in (OTHER_POST, ENGLISH):
        unrelated = text_fingerprint(other)
        assert similarity(post, unrelated) < 0.2
        assert not matches(post, unrelated)
    english = text_fingerprint(ENGLISH)
    edited_en = text_fingerprint(ENGLISH.replace("Tuesday", "Monday").upper() + "!!")
    assert matches(english, edited_en)


def test_similarity_estimates_jaccard() -> None:
    a, b = normalize(POST), normalize(POST_ONE_WORD)
    sa, sb = set(shingle_hashes(a).tolist()), set(shingle_hashes(b).tolist())
    jaccard = len(sa & sb) / len(sa | sb)
    estimate = similarity(text_fingerprint(POST), text_fingerprint(POST_ONE_WORD))
    assert abs(estimate - jaccard) < 0.1  # ±3 standard deviations at 128 permutations


def test_short_texts_match_only_exactly() -> None:
    slogan = text_fingerprint("زن، زندگی، آزادی")
    assert slogan.minhash is None
    assert slogan == text_fingerprint("«زن زندگي آزادي»")
    assert matches(slogan, text_fingerprint("زن زندگی آزادی!"))
    near = text_fingerprint("زن، زندگی، آزادی!!!")
    assert matches(slogan, near)
    different = text_fingerprint("زن، زندگی، برابری")
    assert not matches(slogan, different)
    assert similarity(slogan, different) == 0.0
    assert len(normalize("a" * (SHORT_TEXT_CHARS - 1))) < SHORT_TEXT_CHARS
    assert text_fingerprint("a" * (SHORT_TEXT_CHARS - 1)).minhash is None
    assert text_fingerprint("a" * SHORT_TEXT_CHARS).minhash is not None
    # a short text never near-matches a long one, even one that contains it
    assert not matches(slogan, text_fingerprint(POST))


def test_empty_texts_never_match() -> None:
    empty = text_fingerprint(" ،؛؟!... \u200c ـ ")
    assert empty.empty and empty.exact_sha256 == EMPTY_TEXT_SHA256
    assert not matches(empty, text_fingerprint(""))


def test_threshold_arithmetic() -> None:
    assert required_agreement(0.8) == 103  # 0.8 × 128 = 102.4
    assert required_agreement(0.75) == 96
    assert required_agreement(0.0) == 0
    assert required_agreement(1.0) == NUM_PERM
    with pytest.raises(ValueError):
        required_agreement(1.5)


def test_signatures_are_validated() -> None:
    good = text_fingerprint(POST).minhash
    assert good is not None
    assert decode_signature(good).shape == (NUM_PERM,)
    for bad in (b"", good[:-1], b"\x02" + good[1:]):
        with pytest.raises(ValueError):
            decode_signature(bad)
    with pytest.raises(ValueError):
        similarity(TextFingerprint("a", good), TextFingerprint("b", b"\x02" + good[1:]))


# -- stability: the fingerprint is stored, it must never drift -------------------------

KNOWN = {
    POST: (
        "145f4e0e226217f5cf5f5ba2ff87aab5a719b502f70999b5a4a5828ed80d013b",
        "90f7ef6f5f76877dbd87280018046291db2d8a5806307eec3998ac767e899b00",
    ),
    ENGLISH: (
        "a3c7fb2ac1a75e57b06f071dc9002c384689e4e54e181d4ecbf4f5445f710cad",
        "f8bc6a0bea83dc32b5e9abffb4e569365d866fa6fd7cc9004c7172fe0b4c9d0b",
    ),
}


@pytest.mark.parametrize("text", list(KNOWN), ids=["persian", "english"])
def test_known_answers(text: str) -> None:
    fp = text_fingerprint(text)
    exact, minhash_sha = KNOWN[text]
    assert fp.exact_sha256 == exact
    assert fp.minhash is not None
    assert hashlib.sha256(fp.minhash).hexdigest() == minhash_sha


def _plain_minhash(norm: str) -> list[int]:
    """The module doc's definition written out plainly: every permutation over the whole
    shingle set at once, top 32 bits of each minimum."""
    mixed = mix64(shingle_hashes(norm)[None, :] ^ SALTS[:, None])
    return [int(v) >> 32 for v in mixed.min(axis=1)]


def test_many_texts_fingerprinted_together_equal_each_alone() -> None:
    """The batch hashes the texts' shingles together, in blocks of 512 and groups of 65,536
    code points: texts of every length (short, one block, straddling blocks and groups,
    many blocks) come out as defined."""
    import random

    rng = random.Random(7)
    alphabet = "abcdefgh ijklm پچژکگی ۱۲۳"
    lengths = [0, 3, 29, 30, 31, 60, 200, 511, 516, 517, 1100, 3000]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.choice(lengths))) for _ in range(80)]
    texts[10:10] = ["".join(rng.choice(alphabet) for _ in range(25_000)) for _ in range(3)]
    assert sum(map(len, texts)) > 65_536  # hashed in more than one group
    together = text_fingerprints(texts)
    assert together == [text_fingerprint(text) for text in texts]
    long = [normalize(t) for t in texts if len(normalize(t)) >= SHORT_TEXT_CHARS]
    assert len(long) > 40
    signatures = minhash_signatures(long)
    assert signatures.shape == (len(long), NUM_PERM)
    assert [row.tolist() for row in signatures] == [_plain_minhash(n) for n in long]
    assert text_fingerprints([]) == []
    assert minhash_signatures([]).shape == (0, NUM_PERM)
    with pytest.raises(ValueError):
        minhash_signatures(["abcdefgh", "abc"])
    assert np.array_equal(minhash_signatures([long[0]])[0], signatures[0])


def test_fingerprints_are_the_same_in_another_process() -> None:
    code = (
        "import sys; from alteram.fingerprint.text import text_fingerprint as f; "
        "sys.stdout.write(f(sys.stdin.read()).minhash.hex())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=POST,
        capture_output=True,
        text=True,
        env=env,
        check=True,
        encoding="utf-8",
    ).stdout
    minhash = text_fingerprint(POST).minhash
    assert minhash is not None and out == minhash.hex()
