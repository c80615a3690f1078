"""Arabic and English analysis (pure): the same terms for every spelling a reader may type."""

from __future__ import annotations

import pytest

from indexer.analysis import analysed, arabic_light_stem, finder, normalize, prefix_term, terms, word_terms


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("مَكْتَبَة", "مكتبه"),  # tashkeel removed, ة → ه
        ("مكتبـــة", "مكتبه"),  # tatweel removed
        ("أحمد", "احمد"),
        ("إدارة", "اداره"),
        ("آداب", "اداب"),
        ("مستشفى", "مستشفي"),  # ى → ي
        ("ﻣﻜﺘﺒﺔ", "مكتبه"),  # presentation forms
        ("٢٠١٩", "2019"),  # Arabic-Indic digits
        ("۱۴۰۰", "1400"),  # Eastern Arabic-Indic digits
        ("Café", "cafe"),
        ("Straße", "strasse"),
    ],
)
def test_normalize(variant: str, expected: str) -> None:
    assert normalize(variant) == expected


@pytest.mark.parametrize(
    "variant", ["مكتبة", "المكتبة", "والمكتبة", "بالمكتبة", "للمكتبة", "مكتبه", "مَكْتَبَة", "مكتبات", "المكتبات"]
)
def test_arabic_variants_share_one_term(variant: str) -> None:
    assert terms(variant) == ["مكتب"]


def test_light_stemmer_follows_lucene_length_rules() -> None:
    assert arabic_light_stem("ولد") == "ولد"  # و is only a prefix of words of four letters or more
    assert arabic_light_stem("وزير") == "زير"
    assert arabic_light_stem("الم") == "الم"  # too short to lose ال
    assert arabic_light_stem("كتابها") == "كتاب"


def test_english_is_lowercased_folded_and_stemmed() -> None:
    assert terms("Libraries library LIBRARY's naïve") == ["librari", "librari", "librari", "s", "naiv"]


def test_mixed_text_is_analysed_word_by_word_in_order() -> None:
    assert terms("Open access والمكتبة 2019") == ["open", "access", "مكتب", "2019"]
    assert analysed("Open   access!") == "open access"


def test_matching_words_are_found_whole_in_raw_text() -> None:
    text = "زرت والمكتبة, then libraries; librariesX and المكتبة."
    vocabulary = word_terms(text)
    assert vocabulary["والمكتبة"] == vocabulary["المكتبة"] == "مكتب" and vocabulary["libraries"] == "librari"
    forms = [w for w, t in vocabulary.items() if t in ("مكتب", "librari")]
    assert [m.group() for m in finder(forms).finditer(text)] == ["والمكتبة", "libraries", "المكتبة"]


def test_prefix_terms_are_normalised_and_lose_the_article() -> None:
    assert prefix_term("المكت") == "مكت"
    assert prefix_term("Librar") == "librar"
