from __future__ import annotations

import pytest

from repository.licenses import CATALOGUE, Level, check_inclusion, license_for

OK, WARN, NO = Level.OK, Level.WARNING, Level.INCOMPATIBLE

# (resource licence, course licence, adapted?, expected verdict)
TABLE = [
    ("cc-by-4.0", "cc-by-4.0", False, OK),
    ("cc-by-4.0", "cc-by-4.0", True, OK),
    ("cc0-1.0", "cc-by-sa-4.0", True, OK),
    ("pdm-1.0", "cc-by-nc-4.0", True, OK),
    ("cc-by-nc-4.0", "cc-by-4.0", False, NO),  # NonCommercial resource in a course that allows commerce
    ("cc-by-nc-4.0", "cc-by-nc-sa-4.0", False, OK),
    ("cc-by-nc-4.0", "arr", False, OK),
    ("cc-by-nd-4.0", "cc-by-4.0", True, NO),  # NoDerivatives adapted
    ("cc-by-nd-4.0", "cc-by-4.0", False, WARN),  # ... but unchanged it may be collected
    ("cc-by-nc-nd-4.0", "cc-by-nc-4.0", False, WARN),
    ("cc-by-nc-nd-4.0", "cc-by-4.0", False, NO),
    ("cc-by-sa-4.0", "cc-by-sa-4.0", True, WARN),
    ("cc-by-sa-4.0", "cc-by-4.0", True, NO),  # ShareAlike adapted under another licence
    ("cc-by-sa-4.0", "cc-by-4.0", False, WARN),
    ("cc-by-nc-sa-4.0", "cc-by-nc-sa-4.0", True, WARN),
    ("cc-by-nc-sa-4.0", "cc-by-nc-4.0", True, NO),
    ("arr", "cc-by-4.0", False, NO),
    ("arr", "arr", False, NO),
]


def test_older_share_alike_version_adapts_into_the_same_terms() -> None:
    older = license_for("https://creativecommons.org/licenses/by-sa/3.0/")
    assert older.label == "CC BY-SA 3.0" and older.uri == "https://creativecommons.org/licenses/by-sa/3.0/"
    assert check_inclusion(older, CATALOGUE["cc-by-sa-4.0"], adapted=True).level is WARN
    assert check_inclusion(older, CATALOGUE["cc-by-4.0"], adapted=True).level is NO


def test_unknown_licence_asks_the_librarian() -> None:
    verdict = check_inclusion(license_for("https://opensource.org/license/mit"), CATALOGUE["cc-by-4.0"], adapted=True)
    assert verdict.level is WARN and "opensource.org" in verdict.reason


@pytest.mark.parametrize(("resource", "course", "adapted", "expected"), TABLE)
def test_inclusion_verdicts(resource: str, course: str, adapted: bool, expected: Level) -> None:
    verdict = check_inclusion(CATALOGUE[resource], CATALOGUE[course], adapted=adapted)
    assert verdict.level is expected, verdict.reason
    assert verdict.reason


@pytest.mark.parametrize(
    ("uri", "key"),
    [
        ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "cc-by-nc-sa-4.0"),
        ("http://creativecommons.org/licenses/by/3.0", "cc-by-3.0"),
        ("https://creativecommons.org/licenses/by-sa/2.5/", "cc-by-sa-2.5"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "cc0-1.0"),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "pdm-1.0"),
        ("https://opensource.org/license/mit", "other"),
        (None, "arr"),
    ],
)
def test_license_for_uri(uri: str | None, key: str) -> None:
    assert license_for(uri).key == key
