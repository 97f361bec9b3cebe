"""What a user meets by clicking around: every link on every start page opens (no 403/404), and no page shows
English words (issue 15: «100% done», marshmallow's messages, a start-page link that answers 403).

The routes come from the URL map, like the permission matrix, so a new plugin's pages join on their own."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from plugins.gradebook.demo import TOPICS
from tests.conftest import all_plugins, sign_in
from tests.core.test_permission_matrix import OBJECT_REFUSALS, ROLES, _routes

# Latin words a Russian user expects: brands, formats, units, codes.
ALLOWED = {
    "pdf", "xlsx", "csv", "xls", "api", "e", "mail", "id", "ip", "url", "ok", "klass", "json", "html", "totp",
    "qr", "sms", "ics", "ical", "icalendar", "utc", "msk", "a4", "docx", "odt", "png", "jpg", "jpeg", "svg",
    "openapi", "bearer", "token", "login", "www", "http", "https", "mb", "kb", "gb", "ms", "ru", "en", "oauth",
    "openid", "esia", "wi", "fi", "netschool", "google", "yandex", "zip", "txt", "rtf", "gif", "webp", "heic",
    "ttf", "dejavu", "sans", "python", "sql", "sqlite", "postgresql", "smtp", "imap", "cookie", "cc", "bcc",
    "authenticator", "freeotp", "aegis", "microsoft", "apple", "android", "ios",
}
ALLOWED |= {"excel", "word", "xxx"}
# Licence names a teacher gives a material («CC BY 4.0», «CC BY-SA»): content, not the interface.
ALLOWED |= {"by", "sa", "nc", "nd"}
# What the demo's teachers of English typed as lesson topics is content, not the interface.
ALLOWED |= {w.lower() for t in TOPICS.get("Английский язык", [])
            for w in t.split()}
LATIN_WORD = re.compile(r"(?<![\w@./:-])[A-Za-z][A-Za-z]{1,}(?![\w@/.:-])")


class _Text(HTMLParser):
    """Visible text of a page (no scripts, styles, attribute values or code samples) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.chunks: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre", "kbd", "samp", "textarea"):
            self.skip += 1
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/") and not href.startswith("//"):
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "kbd", "samp", "textarea") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.chunks.append(data)


def _parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def english_words(html: str) -> set[str]:
    text = " ".join(_parse(html).chunks)
    return {w for w in LATIN_WORD.findall(text) if w.lower() not in ALLOWED}


@pytest.fixture
def site(make_app):
    return make_app(plugins=all_plugins())


@pytest.mark.parametrize("role", ROLES)
def test_every_link_on_the_start_page_opens(site, demo_school, role):
    client = sign_in(site.test_client(), demo_school["accounts"].get(role, role))
    start = client.get("/")
    assert start.status_code == 200
    links = sorted(set(_parse(start.text).links))
    assert links, "a start page without links"
    dead = []
    for href in links:
        path = urlsplit(href).path
        if path.startswith(("/logout", "/static")):
            continue
        response = client.get(href)
        if response.status_code in (403, 404):
            dead.append(f"{href}: {response.status_code}")
    assert not dead, f"{role}'s start page links to dead ends:\n" + "\n".join(dead)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_english(site, demo_school, role):
    client = sign_in(site.test_client(), demo_school["accounts"].get(role, role))
    found: dict[str, set[str]] = {}
    for endpoint, url, method, view in _routes(site):
        if (method != "GET" or url.startswith("/api/") or endpoint in ("core_auth.logout", "core_account.end_session")
                or view.klass_permission is None or (endpoint, role) in OBJECT_REFUSALS):
            continue
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        words = english_words(response.text)
        if words:
            found[f"{url} ({endpoint})"] = words
    assert not found, f"English on {role}'s pages:\n" + "\n".join(f"{k}: {sorted(v)}" for k, v in found.items())
