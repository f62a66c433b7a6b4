"""The widget's words (server/static/widget/strings.js): every catalogue has exactly English's
keys, each with the same {placeholders}, and every key the widget's modules name is in English's,
and every one of English's is named somewhere (no text the widget never shows)."""

import json
import re

from server.settings import PROJECT_ROOT

WIDGET = PROJECT_ROOT / "server" / "static" / "widget"
WANTED = ("en", "de", "fr", "es")


def _catalogues() -> dict[str, dict[str, str]]:
    """strings.js's CATALOGUES, read as JSON: the object is written as JSON is, but for its
    unquoted language tags."""
    source = (WIDGET / "strings.js").read_text()
    found = re.search(r"^const CATALOGUES = (\{.*?^\});$", source, re.MULTILINE | re.DOTALL)
    assert found, "strings.js keeps its catalogues in `const CATALOGUES = {…};`"
    text = re.sub(r'^  ("?)([a-z]{2,3}(?:-[a-z0-9]+)*)\1: \{', r'  "\2": {', found[1], flags=re.M)
    catalogues: dict[str, dict[str, str]] = json.loads(text)
    return catalogues


def _named() -> set[str]:
    """The keys the widget's modules name: string literals shaped like one (a known namespace,
    a dot, a name), whether passed to t() at once or kept in a table first."""
    namespaces = {key.split(".")[0] for key in _catalogues()["en"]}
    shaped = re.compile(r'"((?:' + "|".join(sorted(namespaces)) + r')\.[A-Za-z0-9]+)"')
    named = set()
    for module in WIDGET.glob("*.js"):
        if module.name != "strings.js":
            named |= set(shaped.findall(module.read_text()))
    return named


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_catalogue_has_exactly_the_english_keys_and_placeholders() -> None:
    catalogues = _catalogues()
    assert set(WANTED) <= set(catalogues)
    english = catalogues["en"]
    for language, strings in catalogues.items():
        assert sorted(strings) == sorted(english), language
        for key, text in strings.items():
            assert text.strip(), f"{language} {key}"
            assert _placeholders(text) == _placeholders(english[key]), f"{language} {key}"


def test_every_key_the_widget_names_is_in_english_and_every_english_key_is_named() -> None:
    english = set(_catalogues()["en"])
    named = _named()
    assert named - english == set(), "named in the widget, missing from English's catalogue"
    assert english - named == set(), "in the catalogues, but the widget never shows it"


def test_the_widget_shows_no_text_of_its_own_outside_the_catalogues() -> None:
    """A visible string written straight into the DOM (text:, aria-label, placeholder) would
    escape translation: each must come from t()."""
    literal = re.compile(r'(?:text|"aria-label"|placeholder): "[^"]*[A-Za-z]{2}[^"]*"')
    for module in WIDGET.glob("*.js"):
        found = literal.findall(module.read_text())
        assert found == [], f"{module.name}: {found}"
