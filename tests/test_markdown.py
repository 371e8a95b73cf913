"""Markdown in challenge texts: sanitized, and one text never leaks into the next (the
converter is reused between texts)."""

from __future__ import annotations

from marketplace.templating import render_markdown


def test_markdown_is_rendered_and_sanitized():
    html = render_markdown("**Đậm** <script>alert(1)</script> [x](javascript:alert(1))\n\n"
                           "| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>Đậm</strong>" in html and "<table>" in html
    assert "<script" not in html and "javascript:" not in html


def test_reference_links_of_one_text_do_not_resolve_in_the_next():
    first = render_markdown("[trang][ref]\n\n[ref]: https://example.org/a")
    assert 'href="https://example.org/a"' in first
    second = render_markdown("Xem [trang][ref] khác.")
    assert "href" not in second and "[trang][ref]" in second


def test_the_same_text_gives_the_same_html_and_none_is_empty():
    assert render_markdown("- một\n- hai") == render_markdown("- một\n- hai")
    assert render_markdown(None) == render_markdown("") == ""
