"""Property-style redaction tests (issue 6): random surroundings, escapes and encodings around each secret.

Whatever text surrounds a secret and however it is wrapped (JSON string escapes, JSON inside JSON, URL
encoding once or twice, a URL inside a query parameter, header lines), its distinctive part must appear in
no decoded view of the redacted output; the output stays valid JSON where the input was; redacting twice
changes nothing; and ordinary text around the secret survives.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_redact_shapes import SHAPES, leaks

from late_logs.redact import REDACTED, redact_text, redact_value

# Secrets that are secrets by their context rather than their shape, with the context that makes them so.
CONTEXT_SECRETS = {
    "query access_token": (
        "https://graph.facebook.com/v19.0/me?fields=id&access_token={}", "Zm9vYmFyYmF6cXV4MTIz"
    ),
    "json client_secret": ('{{"client_id":"123","client_secret":"{}"}}', "kx8Hq2LmZ0pR7tWvN4bY"),
    "header line": ("POST /v2/post/publish/\r\nX-API-Key: {}\r\nAccept: */*", "3f2c9d8e7a6b5c4d1e0f"),
    "bearer header": ("Authorization: Bearer {}", "opaqueBearer0123456789"),
    "cookie header": ("Cookie: sessionid={}; lang=en", "31d4d96e407aad42cafe"),
    "url password": ("redis://:{}@cache.internal:6379/0", "s3cr3tP4ssw0rd9876"),
    "signed url": ("https://cdn.example/v.mp4?Expires=1700000000&Signature={}&Key-Pair-Id=K2",
                   "c2lnbmF0dXJlZm9vYmFy"),
    "api_token any case": ("Api_Token={}", "9c1f0e4d2b7a6c5e3f8d"),
    "aws secret": ("aws_secret_access_key = {}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
}

# Surrounding text: ordinary words and punctuation; the secret is set apart by a separator as in real logs.
filler = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,!?#@()-:'\"/\n\té🚀%\\=&")),
    max_size=40,
)
separators = st.sampled_from([" ", "\n", "\t", ", ", "(", "\"", "'", ": ", "[", "> "])


def wrap(text: str, how: str) -> str:
    """`text` the way a log entry might carry it."""
    if how == "plain":
        return text
    if how == "json string":
        return json.dumps({"rawBody": text})
    if how == "json in json":
        return json.dumps({"response": {"rawBody": json.dumps({"error": {"message": text}})}})
    if how == "json ascii escapes":
        return json.dumps({"m": text}, ensure_ascii=True).replace("/", "\\/").replace("&", "\\u0026")
    if how == "url encoded":
        return "https://app.example/cb?lang=en&debug=" + quote(text, safe="")
    if how == "url encoded twice":
        return "https://app.example/cb?debug=" + quote(quote(text, safe=""), safe="")
    if how == "url in json":
        return json.dumps({"next": "https://app.example/login?redirect=" + quote(text, safe="")})
    raise AssertionError(how)


WRAPPINGS = ["plain", "json string", "json in json", "json ascii escapes", "url encoded", "url encoded twice",
             "url in json"]
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(
    name=st.sampled_from(sorted(SHAPES)), before=filler, after=filler, left=separators, right=separators,
    how=st.sampled_from(WRAPPINGS),
)
def test_token_shape_leaked_with_random_surroundings_and_encodings(
    name: str, before: str, after: str, left: str, right: str, how: str
) -> None:
    secret = SHAPES[name]
    raw = wrap(before + left + secret + right + after, how)
    assert leaks(raw, secret)
    output = redact_text(raw)
    assert not leaks(output, secret), (raw, output)
    assert redact_text(output) == output
    if how.startswith("json") or how == "url in json":
        json.loads(output)


@PROPERTY_SETTINGS
@given(
    name=st.sampled_from(sorted(CONTEXT_SECRETS)), before=filler, after=filler,
    how=st.sampled_from(WRAPPINGS),
)
def test_context_secret_leaked_with_random_surroundings_and_encodings(
    name: str, before: str, after: str, how: str
) -> None:
    template, secret = CONTEXT_SECRETS[name]
    raw = wrap(before + "\n" + template.format(secret) + "\n" + after, how)
    assert leaks(raw, secret)
    output = redact_text(raw)
    assert not leaks(output, secret), (raw, output)
    assert redact_text(output) == output
    if how.startswith("json") or how == "url in json":
        json.loads(output)


@PROPERTY_SETTINGS
@given(
    name=st.sampled_from(sorted(SHAPES)),
    caption=st.text(alphabet="abcdefghij klmnop", min_size=5, max_size=30),
)
def test_redaction_hid_the_caption_next_to_a_secret(name: str, caption: str) -> None:
    entry = {"content": caption, "rawBody": json.dumps({"caption": caption, "debug": f"got {SHAPES[name]}"})}
    redacted = redact_value(entry)
    assert redacted["content"] == caption
    inner = json.loads(redacted["rawBody"])
    assert inner["caption"] == caption
    assert REDACTED in inner["debug"]


@PROPERTY_SETTINGS
@given(text=st.text(max_size=200))
def test_redaction_raised_or_was_not_idempotent_on_arbitrary_text(text: str) -> None:
    once = redact_text(text)
    assert isinstance(once, str)
    assert redact_text(once) == once


# Ordinary evidence built from pieces real logs carry: caption words, post URLs with random ids, endpoints,
# error messages. None of it is a secret, so none of it may be redacted.
CAPTION_WORDS = (
    "launch today new product summer sale check our latest video thanks everyone for the support big news "
    "coming soon behind the scenes meet team join us live event link in bio limited offer key secret "
    "session token design inside author state code act now Asia tour password reset tips"
).split()
ids = st.integers(min_value=10**15, max_value=10**19 - 1)
shortcodes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=11,
                     max_size=11)
evidence_pieces = st.one_of(
    st.lists(st.sampled_from(CAPTION_WORDS), min_size=1, max_size=12).map(" ".join),
    shortcodes.map(lambda code: f"https://www.instagram.com/p/{code}/"),
    ids.map(lambda n: f"https://www.tiktok.com/@acme/video/{n}"),
    ids.map(lambda n: f"https://x.com/acme/status/{n}"),
    ids.map(lambda n: f"https://www.linkedin.com/feed/update/urn:li:share:{n}/"),
    ids.map(lambda n: f"graph.facebook.com/v19.0/{n}/media_publish"),
    ids.map(lambda n: f"{n}_{n // 7}"),
    st.sampled_from([
        "Error validating access token: Session has expired on Friday, 03-Nov-24 10:00:00 PST.",
        "(#100) Invalid parameter", "Invalid OAuth access token - Cannot parse access token",
        "Media upload failed: error code=190, subcode 463", "Rate limit exceeded. Retry after 15 minutes.",
    ]),
)


@PROPERTY_SETTINGS
@given(
    pieces=st.lists(evidence_pieces, min_size=1, max_size=5), how=st.sampled_from(["plain", "json string"])
)
def test_ordinary_evidence_was_over_redacted(pieces: list[str], how: str) -> None:
    text = wrap(" · ".join(pieces), how)
    assert redact_text(text) == text
