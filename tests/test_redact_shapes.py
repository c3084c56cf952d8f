"""Redaction of real-world secret shapes (issue 6): each shape on its own, after escapes, URL-encoded, nested.

The samples follow the platforms' public formats (Meta, Instagram, TikTok, LinkedIn, Google, X, Telegram,
Discord, Slack, AWS, GitHub, Stripe docs and examples), not the simulator's planted secrets. A secret counts
as leaked when its distinctive part survives in the output or in any decoded view of it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import quote, unquote

import pandas as pd
import pytest

from late_logs import redact
from late_logs.config import load_settings
from late_logs.redact import REDACTED, mask_url, redact_text, redact_value
from late_logs.store import redact_text_column

R = REDACTED
LATE_KEY = "sk_" + "4f9a0c2e7b1d8f3a6c5e0b9d2a7f4c1e" * 2  # 67 characters, like Late's keys
RESTRICTED_KEY = "zrk_" + "a1b2c3d4e5f60718293a4b5c6d7e8f90" * 2

# name -> a secret of that shape, as the platform documents it (made-up values).
SHAPES = {
    "late_key": LATE_KEY,
    "zernio_restricted_key": RESTRICTED_KEY,
    "facebook_eaa": "EAAGm0PX4ZCpsBAKZCyWm1ZB9ZAZCwZBZCd0ZBZA5hLqZBZC2bZANl3ZAZB",
    "instagram_igqv": "IGQVJYeUk4NmVfZAXBqR2xJU0xJM3pTNzRkX1RfYmRnRmJ2dHhCLTZAZAMlNIMEtN",
    "instagram_igaa": "IGAAKq1ZBv7xRNBZAE1nZAkF4RjNmcXpmX1gzSGR0YUZA2OGtBZA1E",
    "tiktok_access": "act.example12345Example12345Example",
    "tiktok_refresh": "rft.example12345Example12345Example",
    "linkedin_access_aqv": "AQV8x9Kb2nQ4sLm6Tp0RfWz3YcHj5DgEiUo7AkN1MvBqSx2_rTy-PlKd",
    "linkedin_refresh_aqx": "AQXq7Zt3mB9nK2sW5vR8yL1cF4hJ6gD0pT-eU_iO3aQ7zX2cV5bN8m",
    "google_access_ya29": "ya29.a0AfH6SMBx7Lq2Zk9Yd3Wm1Pn8Rt5Vj0Cs4Hb6Ge2Fa7Uk9Ix",
    "google_refresh": "1//0gdRyNxQ7pLk2CgYIARAAGBASNwF-L9IrKz3mWq8Tn5Vb1Hs6Yc0",
    "google_client_secret": "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",
    "google_api_key": "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    "x_app_only_bearer": (
        "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz"
        "4XsNiRVBChTYbJcE3F"
    ),
    "jwt": (
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IjE2In0.eyJpc3MiOiJodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20ifQ."
        "Kx3mWq8Tn5Vb1Hs6Yc0Lq2Zk9Yd3Wm1Pn8Rt5Vj0Cs4"
    ),
    "telegram_bot_token": "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "slack_bot": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack_user": "xoxp-123456789012-123456789012-123456789012-0123456789abcdef0123456789abcdef",
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "github_pat": "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "github_fine_grained": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "stripe_live": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "stripe_restricted": "rk_live_51H8abcDEFghiJKLmno",
    "openai_style": "sk-proj-Zk9Yd3Wm1Pn8Rt5Vj0Cs4Hb6Ge2Fa7Uk9Ix",
    "sendgrid": "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",
    "shopify": "shpat_" + "0123456789abcdef" * 2,
    "square": "sq0atp-Zk9Yd3Wm1Pn8Rt5Vj0Cs4Hb6Ge2",
    "npm": "npm_" + "Zk9Yd3Wm1Pn8Rt5Vj0Cs4Hb6Ge2Fa7Uk9Ix0",
}

# The shapes' distinctive tails: what must not survive anywhere (the prefix alone says nothing).
TAIL = 14


def tail(secret: str) -> str:
    return secret[-TAIL:]


_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"\\/bfnrt])")
_JSON_SIMPLE = {"\"": "\"", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def json_unescape(text: str) -> str:
    return _JSON_ESCAPE.sub(
        lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "u" else _JSON_SIMPLE[m.group(1)], text
    )


def decoded_views(text: str) -> list[str]:
    """The text as a reader could decode it: JSON-unescaped and URL-decoded, up to twice, in any order."""
    views = [text]
    for _ in range(3):
        views += [decode(view) for view in views for decode in (json_unescape, unquote)]
        views = list(dict.fromkeys(views))
    return views


def leaks(output: str, secret: str) -> bool:
    part = tail(secret)
    return any(part in view or quote(part, safe="") in view for view in decoded_views(output))


# ------------------------------------------------------------------------------------- each shape alone


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_token_shape_leaked_outside_any_key_value_context(name: str) -> None:
    secret = SHAPES[name]
    text = f"upstream said: {secret} (retrying)"
    assert leaks(text, secret)  # the check can fail
    output = redact_text(text)
    assert not leaks(output, secret)
    assert output.startswith("upstream said: ") and output.endswith(" (retrying)")
    assert R in output


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_token_shape_leaked_after_a_json_newline_or_tab_escape(name: str) -> None:
    secret = SHAPES[name]
    for escape in ("\\n", "\\t", "\\r\\n", "\\\""):
        raw = '{"rawBody":"first line' + escape + secret + escape + 'last line"}'
        assert leaks(raw, secret)
        output = redact_text(raw)
        assert not leaks(output, secret), escape
        assert json.loads(output)["rawBody"].startswith("first line")  # still valid JSON


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_token_shape_leaked_when_url_encoded_in_a_query(name: str) -> None:
    secret = SHAPES[name]
    for encoded in (quote("Bearer " + secret, safe=""), quote(quote(secret, safe=""), safe="")):
        text = f"https://api.example.com/cb?next=%2Fhome&auth_header={encoded}&lang=en"
        assert leaks(text, secret)
        output = redact_text(text)
        assert not leaks(output, secret), encoded
        assert output.startswith("https://api.example.com/cb?next=%2Fhome&") and output.endswith("&lang=en")


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_token_shape_leaked_inside_escaped_json_inside_json(name: str) -> None:
    secret = SHAPES[name]
    inner = json.dumps({"note": f"got {secret}", "id": "17895695668004550"})
    outer = json.dumps({"response": {"rawBody": json.dumps({"wrapped": inner})}})
    output = redact_text(outer)
    assert not leaks(output, secret)
    parsed = json.loads(json.loads(json.loads(output)["response"]["rawBody"])["wrapped"])
    assert parsed["id"] == "17895695668004550"


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_token_shape_leaked_after_a_newline_in_json_nested_three_deep(name: str) -> None:
    secret = SHAPES[name]
    text = json.dumps(json.dumps(json.dumps({"m": f"line\n{secret}"})))
    assert not leaks(redact_text(text), secret)


def test_configured_key_leaked_escaped_character_by_character() -> None:
    as_unicode = '{"m":"' + "".join(f"\\u{ord(c):04x}" for c in LATE_KEY) + '"}'
    as_percent = "x=" + "".join(f"%{ord(c):02X}" for c in LATE_KEY)
    assert redact_text(as_unicode) == f'{{"m":"{R}"}}'
    assert redact_text(as_percent) == f"x={R}"


# -------------------------------------------------------------------- the configured key, wherever it is


def test_configured_key_leaked_after_json_newline_escape() -> None:
    raw = '{"rawBody":"POST /v1/posts\\nAuthorization: Bearer ' + LATE_KEY + '\\nHost: getlate.dev"}'
    output = redact_text(raw)
    assert LATE_KEY not in output and tail(LATE_KEY) not in output
    assert json.loads(output)["rawBody"] == f"POST /v1/posts\nAuthorization: Bearer {R}\nHost: getlate.dev"


def test_configured_key_leaked_after_json_tab_escape() -> None:
    output = redact_text('{"m":"key:\\t' + LATE_KEY + '"}')
    assert tail(LATE_KEY) not in output
    assert json.loads(output) == {"m": f"key:\t{R}"}


def test_configured_key_leaked_url_encoded_in_an_authorization_value() -> None:
    for text in (f"headers=Authorization%3A%20Bearer%20{LATE_KEY}", f"h=Bearer%20{LATE_KEY}",
                 f"h=Bearer%2520{LATE_KEY}", f"h=Bearer+{LATE_KEY}"):
        output = redact_text(text)
        assert tail(LATE_KEY) not in output, text


def test_restricted_zrk_key_leaked_in_prose_and_encoded() -> None:
    for text in (f"using {RESTRICTED_KEY}", f"k=%22{RESTRICTED_KEY}%22", f'{{"m":"\\n{RESTRICTED_KEY}"}}'):
        assert tail(RESTRICTED_KEY) not in redact_text(text), text


@pytest.fixture
def forget_registered_secrets():
    """Registered secrets are process-wide; each test that registers one leaves the module as it found it."""
    before = redact._known_secrets
    yield
    redact._known_secrets = before
    redact._redact_short_text.cache_clear()


def test_configured_key_of_any_shape_leaked_once_settings_are_loaded(forget_registered_secrets) -> None:
    key = "customKey9f8e7d6c5b4a3210"  # no known prefix: only knowing the configured key catches it
    assert redact_text(f"echo {key}") == f"echo {key}"
    settings = load_settings(env={"LATE_API_KEY": f"  {key} "}, secrets={})
    assert settings.api_key == key
    for text in (f"echo {key}", f'{{"m":"\\n{key}"}}', f"x=Bearer%20{key}", f"{key}"):
        assert key not in redact_text(text), text
        assert quote(key) not in unquote(redact_text(text)), text
    assert redact_value({"note": [f"k {key}"]}) == {"note": [f"k {R}"]}


def test_short_configured_key_does_not_redact_every_text(forget_registered_secrets) -> None:
    redact.register_secret("abc")
    assert redact_text("abc def abc") == "abc def abc"


# ---------------------------------------------------------------------- shapes that need their context


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("https://api.telegram.org/bot110201543%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
         "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        ("https://api.telegram.org/bot7212345678:AAE_3xYzWq8Tn5Vb1Hs6Yc0Lq2Zk9Yd3Wm1/getMe",
         "AAE_3xYzWq8Tn5Vb1Hs6Yc0Lq2Zk9Yd3Wm1"),
        ("POST https://discord.com/api/webhooks/1234567890123456789/"
         "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789_-abcdefghijklmnopqrstuvwxyz01 -> 204",
         "abcdefghijklmnopqrstuvwxyz01"),
        ("https://discordapp.com/api/v10/webhooks/987654321098765432/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe",
         "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe"),
        ("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
         "XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
         "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ('{"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}',
         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("api_token=9c1f0e4d2b7a6c5e3f8d1b0a", "9c1f0e4d2b7a6c5e3f8d1b0a"),
        ("API_TOKEN=9c1f0e4d2b7a6c5e3f8d1b0a", "9c1f0e4d2b7a6c5e3f8d1b0a"),
        ("?accessToken=Zm9vYmFyYmF6cXV4MTIzNDU2", "Zm9vYmFyYmF6cXV4MTIzNDU2"),
        ("AccessToken=Zm9vYmFyYmF6cXV4MTIzNDU2&x=1", "Zm9vYmFyYmF6cXV4MTIzNDU2"),
        ('{"consumer_key": "xvz1evFS4wEEPTGEFPHBog", "id": 1}', "xvz1evFS4wEEPTGEFPHBog"),
        ("CONSUMER_KEY=xvz1evFS4wEEPTGEFPHBog", "xvz1evFS4wEEPTGEFPHBog"),
        ('{"Client_Secret":"kx8Hq2LmZ0pR7tWv"}', "kx8Hq2LmZ0pR7tWv"),
        ("clientSecret: kx8Hq2LmZ0pR7tWv", "kx8Hq2LmZ0pR7tWv"),
        ("X-API-Key: 3f2c9d8e7a6b5c4d", "3f2c9d8e7a6b5c4d"),
        ("curl -H 'X-Api-Key: abcdefghijklmnop' https://api.example.com", "abcdefghijklmnop"),
        # Webhook signatures and connection strings.
        ("X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
         "c46f4379c8b043e17"),
        ("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4MTIz==;EndpointSuffix=x",
         "Zm9vYmFyYmF6cXV4MTIz"),
        # Bodies in other syntaxes, flags and header arrays.
        ("<response><access_token>Zm9vYmFyYmF6cXV4MTIz</access_token><expires_in>3600</expires_in></response>",
         "Zm9vYmFyYmF6cXV4MTIz"),
        ("ran: uploader --token=Zm9vYmFyYmF6cXV4MTIz --api-key 1 --verbose", "Zm9vYmFyYmF6cXV4MTIz"),
        ('{"authorization": ["Basic dXNlcjpzM2NyM3RQNHNz"]}', "dXNlcjpzM2NyM3RQNHNz"),
        ('{"set-cookie": ["sid=31d4d96e407aad42; Path=/"]}', "31d4d96e407aad42"),
        ('{"did":"did:plc:abc","accessJwt":"opaqueBlueskySession123"}', "opaqueBlueskySession123"),
        ("threads token THQVJxYzWq8Tn5Vb1Hs6Yc0Lq2Zk9Yd3Wm1", "Hs6Yc0Lq2Zk9Yd3Wm1"),
        ("auth code 4/0AX4XfWhxYzWq8Tn5Vb1Hs6Yc0Lq2Zk9Yd3Wm1", "Hs6Yc0Lq2Zk9Yd3Wm1"),
        # URL-encoded nested tokens: a URL inside a query parameter.
        ("https://app.example/login?redirect=https%3A%2F%2Fx.example%2Fcb%3Faccess_token%3DZm9vYmFyYmF6cXV4MTIz"
         "%26state%3Dok", "Zm9vYmFyYmF6cXV4MTIz"),
        ("next=https%253A%252F%252Fx.example%252Fcb%253Frefresh_token%253DcmVmcmVzaHRva2VuMTIz",
         "cmVmcmVzaHRva2VuMTIz"),
        ("state=abc?access_token=Zm9vYmFyYmF6cXV4MTIz", "Zm9vYmFyYmF6cXV4MTIz"),
        # Credentials in URLs.
        ("clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/acme/site.git",
         "838347Ae178B4a"),
        ("fetch https://9f8e7d6c5b4a3210fedcba@hooks.example.com/x", "9f8e7d6c5b4a3210fedcba"),
        ("redis://:s3cr3tP4ssw0rd@cache.internal:6379/0", "s3cr3tP4ssw0rd"),
        ("postgres://app:s3cr3tP4ssw0rd@db.internal:5432/late", "s3cr3tP4ssw0rd"),
        ('{"url":"https:\\/\\/bob:s3cr3tP4ssw0rd@proxy.example\\/"}', "s3cr3tP4ssw0rd"),
        # Signed URL signatures, also behind \u0026 and \/ inside escaped JSON.
        ("https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature="
         "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", "3176630326f1024"),
        ('{"u":"https:\\/\\/cdn.example\\/v.mp4?Expires=1700000000\\u0026Signature=Zk9vYmFyYmF6cXV4\\u0026'
         'Key-Pair-Id=K2"}', "Zk9vYmFyYmF6cXV4"),
        ('{"u":"https:\\/\\/blob.example\\/x.jpg?sv=2021\\u0026sig=c2lnbmF0dXJlMTIz%3D\\u0026sp=r"}',
         "c2lnbmF0dXJlMTIz"),
        ('{"rawBody":"{\\"token_url\\":\\"https:\\\\/\\\\/oauth2.example\\\\/t?x=1\\\\u0026refresh_token='
         'cmVmcmVzaHRva2VuMTIz\\"}"}', "cmVmcmVzaHRva2VuMTIz"),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else None,
)
def test_secret_in_context_leaked(text: str, secret: str) -> None:
    assert leaks(text, secret)
    output = redact_text(text)
    assert not leaks(output, secret), output
    assert R in output


def test_json_value_with_an_escaped_quote_leaked_its_tail_and_broke_the_json() -> None:
    output = redact_text('{"password":"hunt\\"er2","n":1}')
    assert output == f'{{"password":"{R}","n":1}}'


def test_token_glued_to_a_non_ascii_letter_skipped_the_fast_path() -> None:
    token = SHAPES["facebook_eaa"]
    assert redact_text(f"日本{token}") == f"日本{R}"


def test_telegram_bot_path_url_encoded_keeps_the_method_readable() -> None:
    text = "https://api.telegram.org/bot110201543%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
    assert redact_text(text) == f"https://api.telegram.org/bot{R}/sendMessage"


def test_discord_webhook_keeps_its_id_and_loses_its_token() -> None:
    text = "https://discord.com/api/webhooks/1234567890123456789/aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
    assert redact_text(text) == f"https://discord.com/api/webhooks/1234567890123456789/{R}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://9f8e7d6c5b4a3210@host.example/x", f"https://{R}@host.example/x"),
        ("https://user:pw123456@host.example/x", f"https://user:{R}@host.example/x"),
        ("redis://:pw123456@cache:6379", f"redis://:{R}@cache:6379"),
    ],
)
def test_url_credentials_leaked_while_the_host_stays(text: str, expected: str) -> None:
    assert redact_text(text) == expected


PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi3Zk5cM0yEsbC0ZpiRk1z8Oa2b\n"
    "9xTqkJ0Kk3mWq8Tn5Vb1Hs6Yc0Lq2Zk9Yd3Wm1Pn8Rt5Vj0Cs4Hb6Ge2Fa7Uk9IxQ==\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    "armour", ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]
)
def test_pem_private_key_block_leaked(armour: str) -> None:
    pem = PEM.replace("RSA PRIVATE KEY", armour)
    for text in (f"key file:\n{pem}\nend", json.dumps({"private_key_pem": pem, "n": 1}),
                 json.dumps({"rawBody": json.dumps({"pem": pem})})):
        output = redact_text(text)
        assert "MIIEpAIBAAKCAQEA" not in output and "Hs6Yc0Lq2Zk9" not in output, text
        assert f"-----BEGIN {armour}-----" in output  # the armour says what was there


def test_pem_block_cut_off_before_its_end_still_leaks_nothing() -> None:
    cut = PEM.split("-----END")[0][:-10]
    output = redact_text(f'{{"m":{json.dumps(cut)}}}')
    assert "MIIEpAIBAAKCAQEA" not in output
    json.loads(output)


OAUTH1 = (
    'OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", '
    'oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", '
    'oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjLY%3D", oauth_signature_method="HMAC-SHA1", '
    'oauth_timestamp="1318622958", oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", '
    'oauth_version="1.0"'
)
OAUTH1_SECRETS = (
    "xvz1evFS4wEEPTGEFPHBog", "tnnArxj06cWHq44gCs1OSKk", "GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
)


def test_oauth1_header_leaked_in_plain_escaped_and_doubly_escaped_json() -> None:
    plain = f"Authorization: {OAUTH1}"
    escaped = json.dumps({"headers": {"Authorization": OAUTH1}})
    as_text = json.dumps({"rawRequest": f"POST /1.1/statuses/update.json\nAuthorization: {OAUTH1}\n"})
    doubly = json.dumps({"rawBody": as_text})
    for text in (plain, json.dumps(plain), as_text, doubly):
        output = redact_text(text)
        for secret in OAUTH1_SECRETS:
            assert not leaks(output, secret), (text, secret)
        assert "HMAC-SHA1" in output and "1318622958" in output  # method and timestamp stay for support
    assert redact_value(json.loads(escaped))["headers"]["Authorization"] == R


# --------------------------------------------------------------------------- header lists and HAR entries


def test_har_header_entry_value_leaked_as_text_and_as_object() -> None:
    har = {"request": {"headers": [{"name": "Set-Cookie", "value": "sid=31d4d96e407aad42; Path=/"},
                                   {"name": "X-API-Key", "value": "3f2c9d8e7a6b5c4d1e0f"},
                                   {"name": "Content-Type", "value": "application/json"}]}}
    text = json.dumps(har)
    output = redact_text(text)
    assert "31d4d96e407aad42" not in output and "3f2c9d8e7a6b5c4d1e0f" not in output
    kept = {"name": "Content-Type", "value": "application/json"}
    assert json.loads(output)["request"]["headers"][2] == kept
    value = redact_value(har)
    assert value["request"]["headers"][0] == {"name": "Set-Cookie", "value": R}
    assert value["request"]["headers"][1] == {"name": "X-API-Key", "value": R}
    assert value["request"]["headers"][2] == {"name": "Content-Type", "value": "application/json"}
    reversed_order = '[{"value":"3f2c9d8e7a6b5c4d1e0f","name":"x-api-key"}]'
    assert "3f2c9d8e7a6b5c4d1e0f" not in redact_text(reversed_order)


def test_header_pair_list_value_leaked_as_text_and_as_object() -> None:
    pairs = [["X-API-Key", "3f2c9d8e7a6b5c4d1e0f"], ["Accept", "application/json"],
             ["Authorization", "Bearer abcdefghijklmnop"]]
    output = redact_text(json.dumps({"headers": pairs}))
    assert "3f2c9d8e7a6b5c4d1e0f" not in output and "abcdefghijklmnop" not in output
    assert json.loads(output)["headers"][1] == ["Accept", "application/json"]
    assert redact_value({"headers": pairs}) == {
        "headers": [["X-API-Key", R], ["Accept", "application/json"], ["Authorization", R]]
    }
    assert redact_value((("Cookie", "a=1"),)) == (("Cookie", R),)


def test_tag_pairs_that_name_a_secret_word_stay_readable() -> None:
    assert redact_value({"tags": ["token", "economics"]}) == {"tags": ["token", "economics"]}


# -------------------------------------------------------------------------- no over-redaction of evidence


@pytest.mark.parametrize(
    "text",
    [
        "https://www.instagram.com/p/ABC123/",
        "https://www.instagram.com/reel/C1a2B3c4D5e/",
        "https://www.tiktok.com/@acme/video/7312345678901234567",
        "https://x.com/acme/status/1790000000000000000",
        "https://www.linkedin.com/feed/update/urn:li:share:7123456789012345678/",
        "https://www.facebook.com/123456789012345/posts/987654321098765",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://t.me/acme_news/123",
        "graph.facebook.com/v19.0/me/media_publish",
        "graph.facebook.com/v19.0/17841400000000000/media?fields=id,caption",
        "https://api.linkedin.com/rest/posts",
        "https://open.tiktokapis.com/v2/post/publish/video/init/",
        "https://api.telegram.org/file/photos/file_1.jpg",
        "123456789012345_987654321098765",
        "urn:li:share:7123456789012345678",
        "7312345678901234567",
        "675f1c0a9e2b5af0012ab34cd",
        "Error validating access token: Session has expired on Friday, 03-Nov-24 10:00:00 PST.",
        "Error validating access token: The session has been invalidated because the user changed their "
        "password.",
        "(#10) Application does not have permission for this action",
        "Invalid OAuth 2.0 Access Token",
        "Missing required parameter: access_token",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        '{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,'
        '"fbtrace_id":"AbC1"}}',
        '{"error":"invalid_grant","error_description":"Token has been expired or revoked."}',
        '{"serviceErrorCode":65601,"message":"The token used in the request has been revoked by the user"}',
        "access_token_expired",
        "Check out our new feature! Act now, limited offer. #launch @acme",
        "Our secret: love. The key to success: hard work and the session recap at 5pm",
        "Watch the Asia tour recap 🎬 https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
        "AQUARIUM visit today",
        "Contact: hello@acme.example",
        "mailto:support@acme.example",
        "Upload 3 of 5: video.mp4 (codec h264)",
    ],
)
def test_evidence_support_needs_is_not_redacted(text: str) -> None:
    assert redact_text(text) == text


# ----------------------------------------------------------------------------- JSON stays JSON, idempotent


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_output_stays_valid_json_and_redaction_is_idempotent(name: str) -> None:
    secret = SHAPES[name]
    value = {"a": f"x\n{secret}\ty", "b": [f"u=%20{quote(secret)}", {"c": json.dumps({"d": f"\n{secret}"})}]}
    text = json.dumps(value)
    once = redact_text(text)
    assert not leaks(once, secret)
    json.loads(once)
    assert redact_text(once) == once


# ------------------------------------------------------------------------------------- printed URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://bob:hunter2@proxy.example/api", f"https://{R}@proxy.example/api"),
        ("https://9f8e7d6c5b4a3210@late.example/api", f"https://{R}@late.example/api"),
        ("https://getlate.dev/api", "https://getlate.dev/api"),
        ("https://late.example/api?token=abc123", f"https://late.example/api?token={R}"),
    ],
)
def test_printed_base_url_leaked_its_credentials(url: str, expected: str) -> None:
    assert mask_url(url) == expected


def test_every_cli_command_printed_the_base_url_with_its_credentials(tmp_path: Path) -> None:
    from late_logs.config import Settings
    from late_logs.source import mode_line

    url = "https://bob:hunter2@proxy.example/api"
    settings = Settings(api_key=LATE_KEY, base_url=url, cache_dir=tmp_path)
    line = mode_line(settings)
    assert "hunter2" not in line and "bob" not in line and "proxy.example/api" in line
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize("command", [["status"], ["export", "--format", "jsonl"]])
def test_cli_command_printed_base_url_credentials(tmp_path: Path, command: list[str]) -> None:
    import io

    from late_logs import cli

    env = {"LATE_API_KEY": LATE_KEY, "LATE_API_BASE_URL": "https://bob:hunter2@proxy.example/api",
           "LATE_LOGS_CACHE_DIR": str(tmp_path / "cache")}
    out, err = io.StringIO(), io.StringIO()
    cli.main(command, env=env, stdout=out, stderr=err)
    printed = out.getvalue() + err.getvalue()
    assert "proxy.example/api" in printed  # the line is there, so its masking is what is tested
    assert "hunter2" not in printed and "bob:" not in printed and LATE_KEY not in printed


# --------------------------------------------------------------------- the vectorised column redaction


def test_column_redaction_missed_a_secret_when_a_later_value_held_redacted() -> None:
    values = ['{"password":"hunter2', "already clean: [REDACTED] here", f"id_token {SHAPES['jwt']}",
              "plain caption"] * 3 + [f"caption {i}" for i in range(5000)]
    column = pd.Series(values, dtype="string")
    redacted = redact_text_column(column)
    assert redacted.tolist() == [redact_text(value) for value in values]
    assert not redacted.str.contains("hunter2").any()
    assert not redacted.str.contains(tail(SHAPES["jwt"]), regex=False).any()


def test_column_redaction_screen_flags_every_text_redaction_changes() -> None:
    samples = [f"x {secret} y" for secret in SHAPES.values()] + [
        "a\\nb", "%41", "Authorization: Bearer abcdef", "Cookie: a=b", "https://u:p@h", PEM, OAUTH1,
    ]
    pattern = re.compile(redact.candidate_pattern(), re.IGNORECASE)
    for text in samples:
        assert redact_text(text) == text or pattern.search(text), text


# ---------------------------------------------------------------------------------- linear-time patterns


def _compiled_patterns() -> list[re.Pattern[str]]:
    return [value for value in vars(redact).values() if isinstance(value, re.Pattern)] + [
        pattern for _, pattern in redact._TOKEN_SHAPES + redact._URL_SECRETS
    ]


# A group repeated without bound that itself holds an unbounded quantifier: the shape of catastrophic
# backtracking ("(a+)+", "(?:x*y)*"). Checked on the pattern source, not timed.
_NESTED_UNBOUNDED = re.compile(r"\((?:[^()\\]|\\.)*(?:[*+]|\{\d*,\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d*,\})")


def test_quadratic_patterns_have_no_nested_unbounded_quantifiers() -> None:
    for catastrophic in (r"(a+)+", r"(?:x*y)*", r"(\w+\s?){2,}"):  # the check itself can fail
        assert _NESTED_UNBOUNDED.search(catastrophic), catastrophic
    patterns = _compiled_patterns()
    assert len(patterns) > 20
    offenders = [pattern.pattern for pattern in patterns if _NESTED_UNBOUNDED.search(pattern.pattern)]
    assert offenders == []


def test_long_adversarial_inputs_redact_in_linear_time() -> None:
    # Guards against the quadratic regression only (15 s at 64 KB before); bench/bench_redact.py measures.
    import time

    for unit in ("token=", '"access_token":"', "Authorization: Bearer ", "-----BEGIN RSA PRIVATE KEY-----\nM",
                 "https://u:", "\\n", "%41", "token-", "a.b-c+://", "<token>", "cookie: [", "eyJ", "eyJa",
                 "-AQAeyJ", "A" * 21 + "Bearer"):
        text = unit * (262_144 // len(unit))
        start = time.perf_counter()
        redact_text(text)
        assert time.perf_counter() - start < 5, unit


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
