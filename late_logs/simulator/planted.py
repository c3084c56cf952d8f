"""Fake secrets the simulator plants where real publishing logs carry secrets, so redaction can be tested.

Every string here is served somewhere (URLs, raw bodies, connection-log context); tests assert that none of
them ever reaches disk or screen. They look like the real thing to pattern matchers but are not valid keys.
"""

from __future__ import annotations

# Meta (Facebook/Instagram/Threads) user access token: `?access_token=` in Graph URLs and in raw bodies.
META_ACCESS_TOKEN = "EAABsbCS1iHgBOzSimulatedLateLogsMetaToken0001ZDZD"
# Telegram bot token: it is part of the URL path, `api.telegram.org/bot<token>/sendMessage`.
TELEGRAM_BOT_TOKEN = "7212345678:AAHsimulatedLateLogsBotToken0002xyz"
# OAuth 2 tokens and client secret in token_refresh request/response bodies (Google-style shapes).
OAUTH_ACCESS_TOKEN = "ya29.a0AfBsimulatedLateLogsAccessToken0003"
OAUTH_REFRESH_TOKEN = "1//0gSimulatedLateLogsRefreshToken0004"
OAUTH_CLIENT_SECRET = "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t0005"
# X (Twitter) bearer token echoed as `Authorization: Bearer ...` inside a raw request body.
X_BEARER_TOKEN = "AAAAAAAAAAAAAAAAAAAAAsimulatedLateLogsBearer0006"
# TikTok and LinkedIn access tokens returned by their token endpoints.
TIKTOK_ACCESS_TOKEN = "act.simulatedLateLogsTikTokToken0007.va"
LINKEDIN_ACCESS_TOKEN = "AQVsimulatedLateLogsLinkedInToken0008"
# Headless OAuth connect token carried in connection logs (`context.connectToken`).
CONNECT_TOKEN = "ct_simulatedLateLogsConnectToken0009"

PLANTED_SECRETS: tuple[str, ...] = (
    META_ACCESS_TOKEN,
    TELEGRAM_BOT_TOKEN,
    OAUTH_ACCESS_TOKEN,
    OAUTH_REFRESH_TOKEN,
    OAUTH_CLIENT_SECRET,
    X_BEARER_TOKEN,
    TIKTOK_ACCESS_TOKEN,
    LINKEDIN_ACCESS_TOKEN,
    CONNECT_TOKEN,
)

# Hostile caption fragments: a dashboard that renders them as HTML has an XSS hole.
HTML_PAYLOADS: tuple[str, ...] = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(document.cookie)>',
    "<a href=\"javascript:alert('x')\">click</a>",
)
