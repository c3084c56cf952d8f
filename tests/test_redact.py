"""Redaction on the shapes secrets take in real publishing logs, and on content that must stay untouched."""

from __future__ import annotations

import copy
import json

import pytest

from late_logs.redact import REDACTED, is_secret_key, redact_text, redact_value
from late_logs.simulator import PLANTED_SECRETS, FakeClock, SimulatedLate

R = REDACTED
TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
FB_TOKEN = "EAABsbCS1iHgBAKZAZBZCZA9ZCZBZAZC1ZBxyzZD"
GOOGLE_TOKEN = "ya29.a0AfB_byC7rQ9s-kDk2Lm3Nn4Oo5Pp6Qq7Rr8"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
LATE_KEY = "sk_" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Query-string tokens in the URLs platforms are called with.
        (f"https://graph.facebook.com/v19.0/me/accounts?access_token={FB_TOKEN}&fields=id,name",
         f"https://graph.facebook.com/v19.0/me/accounts?access_token={R}&fields=id,name"),
        ("https://graph.facebook.com/oauth/access_token?client_id=123&client_secret=9f8e7d&"
         "grant_type=fb_exchange_token&fb_exchange_token=short123",
         f"https://graph.facebook.com/oauth/access_token?client_id=123&client_secret={R}&"
         f"grant_type=fb_exchange_token&fb_exchange_token={R}"),
        ("grant_type=refresh_token&refresh_token=1/abc-def&client_id=x",
         f"grant_type=refresh_token&refresh_token={R}&client_id=x"),
        ("https://app.example/callback?code=AQDx7_9k&state=abc",
         f"https://app.example/callback?code={R}&state={R}"),
        ("https://cdn.example/v.mp4?Expires=1700000000&Signature=Zk9v~abc&Key-Pair-Id=K2",
         f"https://cdn.example/v.mp4?Expires=1700000000&Signature={R}&Key-Pair-Id=K2"),
        ("https://blob.example/x.jpg?sv=2021-08-06&se=2024-11-02&sp=r&sig=abc%2Bdef%3D",
         f"https://blob.example/x.jpg?sv=2021-08-06&se=2024-11-02&sp=r&sig={R}"),
        ("https://s3.amazonaws.com/b/k.jpg?X-Amz-Credential=AK%2F20241101&X-Amz-Signature=ab12",
         f"https://s3.amazonaws.com/b/k.jpg?X-Amz-Credential={R}&X-Amz-Signature={R}"),
        ("https://maps.example/api?key=AIzaSyA-1234567890abcdefghijklmnopqrstu&api_key=foo",
         f"https://maps.example/api?key={R}&api_key={R}"),
        ("GET /v1/me?token=abc&password=hunter2 HTTP/1.1", f"GET /v1/me?token={R}&password={R} HTTP/1.1"),
        ("login failed for password=hunter2", f"login failed for password={R}"),
        # Authorization headers.
        ("Authorization: Bearer abc", f"Authorization: Bearer {R}"),
        ('{"authorization":"Bearer abc"}', f'{{"authorization":"Bearer {R}"}}'),
        ("headers: {'Authorization': 'Bearer abc.def-ghi'}", f"headers: {{'Authorization': 'Bearer {R}'}}"),
        ("Authorization: Basic dXNlcjpwYXNz\r\nHost: api.x.com",
         f"Authorization: Basic {R}\r\nHost: api.x.com"),
        ("curl -H 'Authorization: abcdef0123456789' x", f"curl -H 'Authorization: {R}' x"),
        ("sent with bearer tok_8f7e6d5c", f"sent with bearer {R}"),
        ('Authorization: OAuth oauth_consumer_key="ck1", oauth_token="t-1", oauth_signature="s%3D"',
         f'Authorization: OAuth oauth_consumer_key="{R}", oauth_token="{R}", oauth_signature="{R}"'),
        # Bot tokens in URL paths.
        (f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendMessage",
         f"https://api.telegram.org/bot{R}/sendMessage"),
        (f"https://api.telegram.org/file/bot{TELEGRAM_TOKEN}/photos/file_1.jpg",
         f"https://api.telegram.org/file/bot{R}/photos/file_1.jpg"),
        # JSON inside strings (rawBody is a JSON string), and escaped JSON inside JSON.
        (f'{{"access_token":"{GOOGLE_TOKEN}","expires_in":3599,"token_type":"Bearer"}}',
         f'{{"access_token":"{R}","expires_in":3599,"token_type":"Bearer"}}'),
        ('{"refresh_token": "1//0gAbC", "client_secret": "GOCSPX-xyz", "scope": "youtube"}',
         f'{{"refresh_token": "{R}", "client_secret": "{R}", "scope": "youtube"}}'),
        ('{"rawBody":"{\\"accessToken\\":\\"abc123\\",\\"id\\":\\"1789\\"}"}',
         f'{{"rawBody":"{{\\"accessToken\\":\\"{R}\\",\\"id\\":\\"1789\\"}}"}}'),
        ('{"password":"it\'s secret","user":"me"}', f'{{"password":"{R}","user":"me"}}'),
        # Keys and tokens recognised by their shape.
        (f"using key {LATE_KEY} now", f"using key {R} now"),
        ("restricted zrk_AbCdEf0123456789XyZ", f"restricted {R}"),
        (f"token was {FB_TOKEN}.", f"token was {R}."),
        (f"google said {GOOGLE_TOKEN}", f"google said {R}"),
        (f"id_token {JWT} end", f"id_token {R} end"),
        ("refresh 1//0gLxS7-abcdefghijklmnopqrstuvwxyz", f"refresh {R}"),
        # Cookies.
        ("Cookie: sessionid=abc; csrftoken=def\nHost: x", f"Cookie: {R}\nHost: x"),
        ("Set-Cookie: sid=abc; Path=/; HttpOnly", f"Set-Cookie: {R}"),
        # Passwords in URLs.
        ("proxy https://user:pa55word@proxy.example:8080/", f"proxy https://user:{R}@proxy.example:8080/"),
    ],
)
def test_secrets_are_redacted_and_context_kept(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Check out our new feature! 🚀 Link in bio #launch @acmecorp",
        "https://www.instagram.com/p/ABC123/",
        "https://storage.getlate.dev/abc123.jpg",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
        "https://example.com/search?q=token+economics&page=2",
        "graph.facebook.com/me/media_publish",
        "(#190) Error validating access token: Session has expired on Sunday, 03-Nov-24.",
        "Invalid OAuth access token - Cannot parse access token",
        "Media upload failed: error code=190, subcode 463",
        "Rate limit exceeded. Retry after 15 minutes.",
        "The user has not authorized the application; reconnect the account.",
        "Authorization: denied by user",
        "token_type=bearer; the monkey=banana design",
        "Key points: 1) design 2) signup 3) session recap",
        "17895695668004550",
        "675f1c0a9e2b5af0012ab34cd",
        "RATE_LIMITED",
        "Привет мир! Новый пост 📸",
        "新商品のお知らせ：今すぐチェック",
        "مرحبا بالعالم",
        '<p class="caption">Hello &amp; <b>welcome</b></p><a href="https://x.com/acme">x</a>',
        "Bearer of bad news",
        "",
        "sk_",
        "task_manager_v2",
    ],
)
def test_ordinary_content_is_untouched(text: str) -> None:
    assert redact_text(text) == text


def test_redact_text_is_idempotent_on_every_example() -> None:
    examples = [
        "https://api.telegram.org/bot" + TELEGRAM_TOKEN + "/sendMessage?token=abc",
        "Authorization: Bearer abc\nCookie: a=b",
        '{"authorization":"Bearer abc","access_token":"x","password":"p"}',
        json.dumps(json.dumps({"rawBody": json.dumps({"access_token": "abc", "refresh_token": "def"})})),
        f"{LATE_KEY} {FB_TOKEN} {GOOGLE_TOKEN} {JWT}",
        "Set-Cookie: sid=abc",
        'Authorization: OAuth oauth_token="t"',
        "https://u:p@h/x?code=1&sig=2",
    ]
    for text in examples:
        once = redact_text(text)
        assert once != text
        assert redact_text(once) == once


def test_doubly_escaped_json_keeps_its_structure() -> None:
    inner = json.dumps({"access_token": "ya29.abc", "expires_in": 3599})
    outer = json.dumps({"response": {"rawBody": inner}})
    redacted = redact_text(outer)
    parsed = json.loads(json.loads(redacted)["response"]["rawBody"])
    assert parsed == {"access_token": R, "expires_in": 3599}


@pytest.mark.parametrize(
    "name",
    ["access_token", "refresh_token", "client_secret", "password", "cookie", "Set-Cookie", "Authorization",
     "api_key", "apiKey", "APIKEY", "x-api-key", "token", "secret", "id_token", "accessToken", "refreshToken",
     "clientSecret", "connectToken", "invitationToken", "pageAccessToken", "webhookSecret", "oauth_token"],
)
def test_secret_key_names(name: str) -> None:
    assert is_secret_key(name)


@pytest.mark.parametrize(
    "name",
    ["token_type", "tokenExpiresAt", "expires_in", "code", "key", "status", "statusCode", "errorCode",
     "platformPostId", "tokens_used", "monkey", 3, None],
)
def test_ordinary_key_names(name: object) -> None:
    assert not is_secret_key(name)  # type: ignore[arg-type]


def test_redact_value_on_a_late_detail_entry() -> None:
    detail = {
        "_id": "675f1c0a9e2b5af0012ab34cd",
        "postId": {"_id": "65f1c0a9e2b5af0012ab34cd", "content": "Check out our new feature!",
                   "status": "ok"},
        "accountId": {"_id": "64e1", "platform": "facebook", "username": "acme", "displayName": "Acme Corp"},
        "platform": "facebook",
        "statusCode": 400,
        "endpoint": f"graph.facebook.com/v19.0/me/feed?access_token={FB_TOKEN}",
        "request": {
            "contentPreview": "Check out our new feature!",
            "mediaUrls": ["https://storage.getlate.dev/abc123.jpg"],
            "rawBody": json.dumps({"message": "Check out our new feature!", "access_token": FB_TOKEN}),
            "headers": {"Authorization": f"Bearer {FB_TOKEN}", "Content-Type": "application/json"},
        },
        "response": {
            "errorMessage": "(#100) Invalid parameter",
            "errorCode": "100",
            "rawBody": '{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}',
        },
        "metadata": {"accessToken": "short", "tokenExpiresAt": "2024-12-01T00:00:00Z",
                     "cookie": ["a=b", "c=d"], "hasToken": True, "refresh_token": None, "retries": [1, 2]},
        "durationMs": 2340,
        "createdAt": "2024-11-01T10:00:05Z",
    }
    original = copy.deepcopy(detail)
    redacted = redact_value(detail)
    assert detail == original  # the input is not modified
    expected = copy.deepcopy(original)
    expected["endpoint"] = f"graph.facebook.com/v19.0/me/feed?access_token={R}"
    expected["request"]["rawBody"] = json.dumps({"message": "Check out our new feature!", "access_token": R})
    expected["request"]["headers"]["Authorization"] = R
    expected["metadata"]["accessToken"] = R
    expected["metadata"]["cookie"] = R
    assert redacted == expected
    assert redact_value(redacted) == redacted


def test_redact_value_keeps_types_and_non_strings() -> None:
    value = {"n": 1, "f": 1.5, "b": False, "none": None, "t": ("a", "token=x"), "l": [1, "x"], "b2": b"raw"}
    assert redact_value(value) == {
        "n": 1, "f": 1.5, "b": False, "none": None, "t": ("a", f"token={R}"), "l": [1, "x"], "b2": b"raw"
    }
    assert redact_value("token=abc") == f"token={R}"
    assert redact_value(42) == 42
    assert redact_value(None) is None


def test_redact_value_never_raises_on_cycles_or_depth() -> None:
    cycle: dict = {"a": 1}
    cycle["self"] = cycle
    assert redact_value(cycle) == R
    deep: list = []
    node = deep
    for _ in range(5000):
        node.append([])
        node = node[0]
    assert redact_value(deep) == R  # too deep to walk safely: nothing unredacted comes back


def test_redact_text_on_non_strings_returns_them() -> None:
    assert redact_text(None) is None  # type: ignore[arg-type]
    assert redact_text(5) == 5  # type: ignore[arg-type]


def test_no_planted_secret_survives_the_simulated_world() -> None:
    clock = FakeClock()
    sim = SimulatedLate(clock=clock, attempts_per_hour=4)
    entries = sim.retained_logs()
    details = [sim.log_detail(entry["_id"]) for entry in entries]
    connections = sim.connection_logs()
    world = {"entries": entries, "details": details, "connections": connections}
    raw = json.dumps(world, ensure_ascii=False)
    planted = [secret for secret in PLANTED_SECRETS if secret in raw]
    assert len(planted) == len(PLANTED_SECRETS)  # the world really carries every one of them
    redacted = redact_value(world)
    text = json.dumps(redacted, ensure_ascii=False)
    assert [secret for secret in PLANTED_SECRETS if secret in text] == []
    # Captions (hostile HTML included), ids, error messages and media URLs come through unchanged.
    for before, after in zip(entries + details, redacted["entries"] + redacted["details"], strict=True):
        for path in (("_id",), ("postId", "content"), ("request", "contentPreview"), ("request", "mediaUrls"),
                     ("response", "errorMessage"), ("response", "platformPostUrl"), ("createdAt",)):
            original, kept = before, after
            for name in path:
                original = original.get(name) if isinstance(original, dict) else None
                kept = kept.get(name) if isinstance(kept, dict) else None
            assert kept == original, path
    assert redact_value(redacted) == redacted
