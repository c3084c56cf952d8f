"""Verdict rows of the other platforms: LinkedIn, Pinterest, Reddit, Bluesky, Discord,
Telegram and Snapchat.

Each row cites its public source; `table` assembles every family's rows and indexes them.
"""

from __future__ import annotations

from late_logs.verdicts.rows import Row, row, text_row
from late_logs.verdicts.sources import (
    BS_LEX,
    BS_RL,
    BS_TS,
    DISCORD,
    LI_DUP,
    LI_EH,
    LI_RL,
    LI_VER,
    PIN,
    PRAW_1954,
    PZ_LI,
    PZ_PIN,
    RD,
    SC,
    TG,
    TG_API,
)

# A row a line or two, as a table reads (`rows` says why).
# fmt: off
CODE_ROWS: tuple[Row, ...] = (
    # LinkedIn (serviceErrorCode / code).
    row("linkedin", "revoked_access_token", None, "reconnect", "no", "the LinkedIn token was revoked", LI_EH),
    row("linkedin", "expired_access_token", None, "reconnect", "no", "the LinkedIn token expired", LI_EH),
    row("linkedin", "invalid_access_token", None, "reconnect", "no", "the LinkedIn token is invalid", LI_EH),
    row("linkedin", 65600, None, "reconnect", "no", "the LinkedIn token is invalid", LI_EH),
    row("linkedin", 65601, None, "reconnect", "no", "the LinkedIn token was revoked", LI_EH),
    row("linkedin", 65602, None, "reconnect", "no", "the LinkedIn token expired", LI_EH),
    row("linkedin", "duplicate_post", None, "content", "verify",
        "LinkedIn says the post is a duplicate: an earlier attempt may have published it", LI_DUP),
    row("linkedin", "too_many_requests", None, "wait", "later", "LinkedIn's daily limit was reached", LI_RL),
    row(
        "linkedin",
        "access_denied",
        None,
        "reconnect",
        "no",
        "the member lacks a permission or the role to post there",
        LI_EH,
        weak=True,  # a message naming the organisation role makes it an account problem
    ),
    row("linkedin", 100, None, "reconnect", "no",
        "the member lacks a permission or the role to post there", LI_EH),
    row("linkedin", "version_not_active", None, "late", "no",
        "Late called a LinkedIn API version that is retired", LI_VER),
    row("linkedin", "nonexistent_version", None, "late", "no",
        "Late called a LinkedIn API version that is retired", LI_VER),
    # Pinterest ({"code", "message"}).
    row("pinterest", 2, None, "reconnect", "no", "Pinterest authentication failed", PIN),
    row("pinterest", 3, None, "reconnect", "no", "the Pinterest token is not authorised", PIN),
    row("pinterest", 8, None, "wait", "later", "Pinterest's rate limit was exceeded", PIN),
    row("pinterest", 235, None, "content", "no", "Pinterest blocked a link in the post as spam", PIN),
    row("pinterest", 1, None, "content", "no", "a field of the Pin is invalid", PIN, weak=True),
    # Reddit (json.errors[][0]).
    row("reddit", "ratelimit", None, "wait", "later", "Reddit's posting rate limit was hit", PRAW_1954),
    row("reddit", "quota_filled", None, "wait", "later", "the account's hourly Reddit quota is full", RD),
    row("reddit", "subreddit_ratelimit", None, "wait", "later", "the subreddit's rate limit was hit", RD),
    row("reddit", "subreddit_noexist", None, "content", "no", "the subreddit does not exist", RD),
    row("reddit", "subreddit_notallowed", None, "content", "no",
        "the account may not post in this subreddit", RD),
    row("reddit", "subreddit_required", None, "content", "no", "no subreddit was chosen", RD),
    row("reddit", "no_selfs", None, "content", "no", "the subreddit does not allow text posts", RD),
    row("reddit", "no_links", None, "content", "no", "the subreddit does not allow link posts", RD),
    row("reddit", "already_sub", None, "content", "no", "the link was already submitted", RD),
    row("reddit", "domain_banned", None, "content", "no", "the link's domain is banned", RD),
    row("reddit", "too_long", None, "content", "no", "the text is too long", RD),
    row("reddit", "bad_image", None, "content", "no", "the image is not valid", RD),
    row("reddit", "no_text", None, "content", "no", "a required text is missing", RD),
    row("reddit", "submit_validation_flair_required", None, "content", "no",
        "the subreddit requires a flair", RD),
    row("reddit", "oauth2_invalid_refresh_token", None, "reconnect", "no",
        "the Reddit refresh token is invalid", RD),
    row("reddit", "user_required", None, "reconnect", "no", "Reddit needs a signed-in user", RD),
    # Bluesky ({"error": "<Name>", "message"}).
    # Bluesky answers an expired session with HTTP 400 ExpiredToken: Late should have refreshed it. "Token has
    # been revoked" (the app password was withdrawn) is a reconnect: the message overrides this weak row.
    row("bluesky", "expiredtoken", None, "late", "no",
        "Late did not refresh the expired Bluesky session", BS_TS, weak=True),
    row("bluesky", "invalidtoken", None, "reconnect", "no", "the Bluesky session token is invalid", BS_TS),
    row("bluesky", "authrequired", None, "reconnect", "no",
        "Bluesky needs the account to sign in again", BS_TS),
    row("bluesky", "accounttakedown", None, "account", "no", "the Bluesky account was taken down", BS_LEX),
    row("bluesky", "accountdeactivated", None, "account", "no", "the Bluesky account is deactivated", BS_LEX),
    row("bluesky", "ratelimitexceeded", None, "wait", "later", "Bluesky's rate limit was exceeded", BS_RL),
    row("bluesky", "upstreamfailure", None, "platform", "verify",
        "Bluesky's upstream service failed", BS_LEX, weak=True),
    row("bluesky", "invalidrequest", None, "content", "no",
        "the post breaks Bluesky's record rules", BS_LEX, weak=True),
    row("bluesky", "blobtoolarge", None, "content", "no", "an image is larger than Bluesky allows", BS_LEX),
    # Discord ({"code", "message"} JSON error codes).
    row("discord", 10003, None, "content", "no", "the Discord channel does not exist", DISCORD),
    row("discord", 10015, None, "reconnect", "no", "the Discord webhook was deleted", DISCORD),
    row("discord", 50001, None, "account", "no", "the bot has no access to the channel", DISCORD),
    row("discord", 50013, None, "account", "no", "the bot lacks permissions in the channel", DISCORD),
    row("discord", 40005, None, "content", "no", "the attachment is too large", DISCORD),
    row("discord", 50035, None, "content", "no", "a field of the message is invalid", DISCORD),
    row("discord", 50006, None, "content", "no", "the message is empty", DISCORD),
    row("discord", 20028, None, "wait", "later", "the channel hit Discord's write rate limit", DISCORD),
    row("discord", 40002, None, "account", "no", "the Discord account must be verified", DISCORD),
)

# Added from public issue threads and docs while testing (tests/test_verdicts.py has verbatim cases).
EXTRA_ROWS: tuple[Row, ...] = (
    row("bluesky", "internalservererror", None, "platform", "verify",
        "Bluesky's server failed", BS_LEX, weak=True),
    row("bluesky", "authenticationrequired", None, "reconnect", "no",
        "Bluesky rejected the app password", BS_LEX),
    row("bluesky", "accountnotfound", None, "account", "no", "the Bluesky account no longer exists", BS_LEX),
    row("reddit", "bad_sr_name", None, "content", "no", "the subreddit name is invalid", RD),
    row("reddit", "thread_locked", None, "content", "no", "the thread is locked", RD),
    row("reddit", "invalid_option", None, "content", "no", "an option of the post is invalid", RD),
    row("reddit", "no_url", None, "content", "no", "the link post has no URL", RD),
    row("reddit", "bad_url", None, "content", "no", "the link's URL is invalid", RD),
    row("reddit", "banned_from_subreddit", None, "account", "no",
        "the account is banned from the subreddit", RD),
    row("reddit", "spam", None, "content", "no", "Reddit took the post for spam", RD),
    row("pinterest", 4, None, "content", "no", "the board or Pin was not found", PIN),
    row("linkedin", "unauthorized", None, "reconnect", "no", "the LinkedIn token is not accepted", LI_EH),
    row("discord", 50027, None, "reconnect", "no", "the Discord webhook token is invalid", DISCORD),
    row("discord", 30007, None, "wait", "later", "the channel reached Discord's webhook limit", DISCORD),
    row("reddit", "bad_captcha", None, "account", "no", "Reddit asks this new account for a captcha", RD),
    row("reddit", "submit_validation_body_blacklisted_string", None, "content", "no",
        "the post's text holds a string the subreddit bans", RD),
)

# Order matters inside a platform: the first match wins.
MESSAGE_ROWS: tuple[Row, ...] = (
    text_row("pinterest", r"consumer type", "late", "no",
             "Late's Pinterest app type is not allowed here", PIN),
    text_row(
        "linkedin",
        r"not an? (?:admin|administrator)|administrator role|role .*organi[sz]ation|organi[sz]ation.* role",
        "account",
        "no",
        "the member is not an admin of the LinkedIn page",
        LI_EH,
    ),
    text_row("linkedin", r"member is restricted|restricted from", "account", "no",
             "the LinkedIn member is restricted from posting", LI_EH),
    text_row("discord", r"invalid webhook token", "reconnect", "no",
             "the Discord webhook token is invalid", DISCORD),
    # LinkedIn.
    text_row("linkedin", r"duplicate", "content", "verify",
             "LinkedIn says the post is a duplicate: an earlier attempt may have published it", LI_DUP),
    text_row("linkedin", r"not enough permissions", "reconnect", "no",
             "the member lacks a permission or the role to post there", LI_EH),
    text_row("linkedin", r"throttle|day limit", "wait", "later", "LinkedIn's daily limit was reached", LI_RL),
    text_row("linkedin", r"version .*not active|linkedin-version", "late", "no",
             "Late called a LinkedIn API version that is retired", LI_VER),
    text_row("linkedin", r"unable to obtain activity|resource is forbidden", "platform", "verify",
             "LinkedIn failed to confirm the post", PZ_LI),
    # Pinterest.
    text_row("pinterest", r"board.*not found|board_id|board not|invalid board|\bboard\b", "content", "no",
             "the Pin's board does not exist or is not the account's", PZ_PIN),
    text_row("pinterest", r"maxitems|cover_image|cover image", "content", "no",
             "the Pin's media is outside limits", PZ_PIN),
    text_row("pinterest", r"blocked this link|may lead to spam", "content", "no",
             "Pinterest blocked a link as spam", PIN),
    text_row("pinterest", r"unable to reach the url", "late", "yes",
             "Pinterest could not reach the media URL", PZ_PIN),
    # Reddit.
    text_row("reddit", r"take a break|try again in \d+|doing that a lot", "wait", "later",
             "Reddit's posting rate limit was hit", PRAW_1954),
    text_row("reddit", r"karma|account is too new", "account", "no",
             "the Reddit account lacks karma or is too new", RD),
    text_row("reddit", r"flair", "content", "no", "the subreddit requires a flair", RD),
    text_row("reddit", r"aren'?t allowed to post there|not allowed to post|private|banned from",
             "content", "no", "the account may not post in this subreddit", RD),
    text_row("reddit", r"doesn'?t allow (?:text|link|image|video)", "content", "no",
             "the subreddit does not allow this kind of post", RD),
    # Bluesky.
    text_row("bluesky", r"token (?:has )?expired", "late", "no",
             "Late did not refresh the expired Bluesky session", BS_TS),
    text_row("bluesky", r"graphemes|longer than", "content", "no",
             "the text is longer than 300 graphemes", BS_LEX),
    text_row("bluesky", r"takedown|taken down|deactivated", "account", "no",
             "the Bluesky account is taken down", BS_LEX),
    # Telegram (description text; error_code is only the HTTP status).
    text_row("telegram", r"retry after \d+|too many requests", "wait", "later",
             "Telegram's flood limit was hit", TG),
    text_row(
        "telegram",
        r"bot was (?:blocked|kicked)|bot is not a member|can't initiate conversation|not a member of the"
        r"|need administrator rights"
        r"|not enough rights|have no rights|chat_write_forbidden|chat_admin_required",
        "account",
        "no",
        "the bot lost its rights in the chat: add it back as an admin",
        TG,
    ),
    text_row("telegram", r"chat not found|peer_id_invalid", "content", "no", "the chat id is wrong", TG),
    text_row("telegram", r"user is deactivated", "account", "no", "the Telegram user is deactivated", TG),
    text_row("telegram", r"invalid_dimensions|photo_invalid|image_process_failed|wrong_file_id|media_empty",
             "content", "no", "a photo or file is invalid for Telegram", TG),
    text_row("telegram", r"upgraded to a supergroup", "late", "yes",
             "the chat moved to a new id (a supergroup)", TG_API),
    text_row(
        "telegram",
        r"can'?t parse entities|message text is empty|message is too long|caption is too long",
        "content",
        "no",
        "the message's text or markup is invalid",
        TG,
    ),
    text_row("telegram", r"failed to get http url content|wrong file identifier|wrong type of the web page",
             "late", "no", "Telegram could not fetch the media URL", TG),
    text_row("telegram", r"file is too big|too big", "content", "no",
             "a file is larger than Telegram allows", TG),
    text_row("telegram", r"^\s*unauthori[sz]ed\s*$|bot token", "reconnect", "no",
             "the bot token was revoked", TG),
    # Discord.
    text_row("discord", r"missing permissions|missing access", "account", "no",
             "the bot lacks permissions in the channel", DISCORD),
    text_row("discord", r"unknown webhook", "reconnect", "no", "the Discord webhook was deleted", DISCORD),
    text_row("discord", r"unknown channel", "content", "no", "the Discord channel does not exist", DISCORD),
    # Snapchat.
    text_row("snapchat", r"public profile", "account", "no",
             "the Snapchat Public Profile is missing or not shared", SC),
    text_row("snapchat", r"unsupported media|media format|duration|resolution", "content", "no",
             "the media is outside Snapchat's specification", SC),
    text_row("bluesky", r"must not have more than|more than \d+ (?:elements|images)|too large|blob",
             "content", "no", "the post's images are more or larger than Bluesky allows", BS_LEX),
)

# Reddit reports every refused submission as json.errors inside an HTTP 200; a code no row knows is still one.
REDDIT_REFUSED = row("reddit", None, None, "content", "no", "Reddit refused the submission", RD, weak=True)
# fmt: on
