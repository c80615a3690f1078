"""Extracted text becomes headings, paragraphs, lists and tables with their page, language and direction."""

from __future__ import annotations

from repository.reading.blocks import Run, read_text

ARABIC = "تقدم الجامعة برامج التعليم المفتوح في فروعها التسعة عشر لطلبة فلسطين."
ENGLISH = "The university offers open learning programmes in all of its nineteen branches."


def test_arabic_and_english_paragraphs_get_their_own_language_and_direction() -> None:
    doc = read_text(f"{ARABIC}\n\n{ENGLISH}", language="ar")
    assert [(b.kind, b.lang, b.dir) for b in doc.blocks] == [("paragraph", "ar", "rtl"), ("paragraph", "en", "ltr")]


def test_english_words_inside_an_arabic_paragraph_are_marked_english() -> None:
    text = "تستخدم المقررات نظام Moodle وبرنامج Open Journal Systems في النشر العلمي للجامعة."
    (block,) = read_text(text).blocks
    assert block.lang == "ar"
    assert [r for r in block.runs() if r.lang] == [Run("Moodle", "en"), Run("Open Journal Systems", "en")]
    assert "".join(r.text for r in block.runs()) == text


def test_an_arabic_phrase_inside_english_is_marked_arabic_and_right_to_left() -> None:
    (block,) = read_text("The repository is called مورد الجامعة in Arabic, which means the resource.").blocks
    arabic = [r for r in block.runs() if r.lang]
    assert block.lang == "en" and arabic == [Run("مورد الجامعة", "ar")] and arabic[0].dir == "rtl"


def test_short_lines_standing_alone_are_headings_and_markdown_gives_the_level() -> None:
    text = f"Introduction\n\n{ENGLISH}\n\n## Methods\n\n1.2 Sampling in the branches\n\nمقدمة الكتاب\n\n{ARABIC}"
    headings = [(b.text, b.level, b.lang) for b in read_text(text).blocks if b.kind == "heading"]
    assert headings == [
        ("Introduction", 2, "en"),
        ("Methods", 3, "en"),
        ("1.2 Sampling in the branches", 3, "en"),
        ("مقدمة الكتاب", 2, "ar"),
    ]


def test_a_sentence_on_its_own_line_stays_a_paragraph() -> None:
    assert [b.kind for b in read_text("This line ends like a sentence.").blocks] == ["paragraph"]


def test_bulleted_and_numbered_lines_are_lists() -> None:
    text = "• Arabic\n• English\n\n١. القدس\n٢. نابلس\n\n1) one\n2) two"
    lists = [(b.items, b.ordered) for b in read_text(text).blocks]
    assert lists == [(("Arabic", "English"), False), (("القدس", "نابلس"), True), (("one", "two"), True)]


def test_pipe_tables_become_tables_with_a_header_row() -> None:
    (block,) = read_text("| Branch | Students |\n|---|---|\n| Gaza | 9000 |\n| Jenin | 4000 |").blocks
    assert block.kind == "table" and block.rows == (("Branch", "Students"), ("Gaza", "9000"), ("Jenin", "4000"))


def test_blocks_know_their_page_and_where_pages_start() -> None:
    pages = [f"Chapter {n}\n\n{ENGLISH}\n\n" for n in (1, 2, 3)]
    text = "".join(pages)
    starts = [0, len(pages[0]), len(pages[0]) + len(pages[1])]
    doc = read_text(text, starts)
    assert doc.pages == [1, 2, 3]
    assert [b.page for b in doc.blocks] == [1, 1, 2, 2, 3, 3]
    assert [doc.starts_page(i) for i in range(len(doc.blocks))] == [1, None, 2, None, 3, None]


def test_text_without_pages_has_no_page_anchors() -> None:
    doc = read_text(ENGLISH)
    assert doc.pages == [] and doc.starts_page(0) is None


def test_wrapped_lines_join_into_one_paragraph_and_hyphenated_words_mend() -> None:
    (block,) = read_text("Open learn-\ning reaches students\nin every branch of the university.").blocks
    assert block.text == "Open learning reaches students in every branch of the university."


def test_a_short_block_takes_the_language_of_the_file() -> None:
    (block,) = read_text("٢٠٢٤", language="ar").blocks
    assert block.lang == "ar"


def test_paragraphs_without_blank_lines_split_at_a_short_line_ending_a_sentence() -> None:
    text = (
        "Open learning reaches students in every branch of the university and\n"
        "beyond it, by post and online.\n"
        "2.1 Branches and students\n"
        "Each of the nineteen branches has its own study centre with a library and\n"
        "laboratories for the applied sciences."
    )
    blocks = [(b.kind, b.text[:24]) for b in read_text(text).blocks]
    assert blocks == [
        ("paragraph", "Open learning reaches st"),
        ("heading", "2.1 Branches and student"),
        ("paragraph", "Each of the nineteen bra"),
    ]
