"""Contest rules: organisers write Markdown; pages show it as sanitised HTML, the same on every page.

The Markdown is CommonMark (markdown-it-py) with two choices made for people who type rules as plain text:
a single line break stays a line break (`breaks`), and simple HTML is accepted, so the rules written before
Markdown (stored as sanitised HTML) render as they did. Whatever the source, the result goes through nh3 with
an allowlist: no script, no style, no event handler, links only to http(s) and mailto. Headings are moved two
levels down ("#" becomes h3), since the rules sit under the page's own h1 and h2.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

RULES_TAGS = {"p", "br", "hr", "strong", "b", "em", "i", "u", "s", "del", "ul", "ol", "li", "h3", "h4", "h5", "h6",
              "blockquote", "code", "pre", "a", "table", "thead", "tbody", "tr", "th", "td"}
RULES_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "td": {"colspan"}, "th": {"colspan"}}
RULES_URL_SCHEMES = {"http", "https", "mailto"}
HEADING_SHIFT = 2

_markdown = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])


def sanitize_rules(html: str) -> str:
    """Only the allowlisted tags and attributes; links get rel="noopener noreferrer"."""
    return nh3.clean(html or "", tags=RULES_TAGS, attributes=RULES_ATTRIBUTES, url_schemes=RULES_URL_SCHEMES)


def normalize_rules(source: str) -> str:
    """The source as stored: NFC, Unix line ends, no trailing spaces on a line or blank lines at the end."""
    text = unicodedata.normalize("NFC", source or "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


@lru_cache(maxsize=256)
def render_rules(source: str) -> str:
    """The rules' Markdown (or older HTML) as sanitised HTML."""
    tokens = _markdown.parse(source or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"
    return sanitize_rules(_markdown.renderer.render(tokens, _markdown.options, {}))


def rules_markup(html: str) -> Markup:
    """The `rules` template filter: stored rules HTML sanitised once more on the way out (rows written before
    the allowlist changed, or by hand, cannot carry a script either)."""
    return Markup(sanitize_rules(html))
