"""Verdict rows of Meta's Graph API: Facebook Pages, Instagram and Threads (`meta` rows serve all three).

Each row cites its public source; `table` assembles every family's rows and indexes them.
"""

from __future__ import annotations

from late_logs.verdicts.rows import Row, row, text_row
from late_logs.verdicts.sources import (
    FB_VID,
    IG_CPL,
    IG_EC,
    KOALA_699,
    LT_FB,
    LT_IG,
    M_EH,
    M_SUB,
    MX_RL,
    PZ_FB,
    PZ_IG,
    PZ_ISSUE,
    PZ_TH,
    TH_TS,
)

# A row a line or two, as a table reads (`rows` says why).
# fmt: off
CODE_ROWS: tuple[Row, ...] = (
    # Meta Graph API (Facebook, Instagram, Threads): OAuth and permissions.
    row("meta", 190, None, "reconnect", "no", "the access token is invalid or expired", M_EH),
    row("meta", 190, 463, "reconnect", "no", "the access token expired", M_SUB),
    row("meta", 190, 467, "reconnect", "no",
        "the access token is no longer valid (the user logged out)", M_SUB),
    row("meta", 190, 460, "reconnect", "no", "the user changed their password", M_SUB),
    row("meta", 190, 458, "reconnect", "no", "the user removed the app", M_SUB),
    row("meta", 102, 458, "reconnect", "no", "the user removed the app", M_SUB),
    row("meta", 190, 459, "account", "no",
        "the user is checkpointed: they must log in on Facebook first", M_SUB),
    row("meta", 190, 464, "account", "no", "the user has not confirmed their account", M_SUB),
    row("meta", 190, 492, "account", "no", "the user lost their role on the Page", M_EH),
    row("meta", 102, None, "reconnect", "no", "the API session is no longer valid", M_EH),
    row(
        "meta",
        10,
        None,
        "reconnect",
        "no",
        "a permission is missing: reconnect granting every permission",
        M_EH,
        weak=True,  # "(#10) ... must be an admin of the Page" is a missing Page role: the message decides
    ),
    row("meta", 200, None, "reconnect", "no", "a permission was not granted or was removed", M_EH, weak=True),
    *(
        row(
            "meta", c, None, "reconnect", "no", "a permission was not granted or was removed", M_EH, weak=True
        )
        for c in (201, 210, 220, 230, 240, 250, 270, 290, 299)
    ),
    row("meta", 463, None, "reconnect", "no", "the access token expired", M_SUB),
    # Meta's error type, when Late gives only that: most OAuthExceptions are dead tokens (clearer codes win).
    row("meta", "oauthexception", None, "reconnect", "no",
        "Meta rejected the account's authorisation", M_EH, weak=True),
    row("meta", 467, None, "reconnect", "no", "the access token is no longer valid", M_SUB),
    # Meta: generic and transient.
    row("meta", 1, None, "platform", "verify",
        "Meta reported an unknown, possibly temporary error", M_EH, weak=True),
    row("meta", 2, None, "platform", "verify",
        "Meta's service was temporarily unavailable", KOALA_699, weak=True),
    row("meta", 3, None, "late", "no", "Late's Meta app lacks this capability", M_EH),
    row("meta", 4, None, "wait", "later", "Meta's application request limit was reached", MX_RL),
    row("meta", 17, None, "wait", "later", "Meta's user request limit was reached", MX_RL),
    row("meta", 32, None, "wait", "later", "Meta's Page request limit was reached", MX_RL),
    row("meta", 613, None, "wait", "later", "Meta's rate limit was exceeded", MX_RL),
    row("meta", 341, None, "wait", "later", "Meta's application limit was reached", M_EH),
    *(
        row("meta", c, None, "wait", "later", "Meta's business use-case rate limit was reached", MX_RL)
        for c in range(80000, 80015)
    ),
    row("meta", 368, None, "wait", "later", "the account is temporarily blocked for policy violations", M_EH),
    row("meta", 368, 1390008, "wait", "later",
        "the account is posting too fast and is temporarily blocked", LT_FB),
    row("meta", 506, None, "content", "no", "the same post was already published (duplicate)", M_EH),
    row("meta", 1609005, None, "content", "no", "Facebook could not read the link in the post", M_EH),
    row("meta", 100, None, "content", "no", "a field of the post is invalid", M_EH, weak=True),
    row("meta", 100, 33, "platform", "yes",
        "the media container was not readable yet (nothing was published)", PZ_ISSUE + "1562"),
    row("meta", 100, 2207050, "content", "no", "the post breaks the platform's limits", PZ_TH),
    row("meta", 24, 4279009, "platform", "yes",
        "the media container is not ready yet (nothing was published)", TH_TS),
    row("meta", 9007, None, "platform", "yes",
        "the media is still processing (nothing was published)", IG_EC),
    row("meta", 9007, 2207027, "platform", "yes",
        "the media is still processing (nothing was published)", IG_EC),
    row("meta", 352, None, "content", "no", "the video format is not supported", IG_EC),
    row("meta", 9004, None, "late", "no", "the media URL could not be fetched or is not an image", IG_EC),
    row("meta", 36000, None, "content", "no", "the image is larger than 8 MB", IG_EC),
    row("meta", 36001, None, "content", "no", "the image resolution is not supported", PZ_IG),
    row("meta", 36003, None, "content", "no", "the image's aspect ratio is not supported", PZ_IG),
    row("meta", 36004, None, "content", "no", "the image's aspect ratio is not supported", IG_EC),
    # Facebook Pages (codes and subcodes from Postiz's Facebook provider and Late's error page).
    row("facebook", 1390008, None, "wait", "later", "the Page is posting too fast", PZ_FB),
    row("facebook", None, 1390008, "wait", "later", "the Page is posting too fast", LT_FB),
    row("facebook", None, 1366046, "content", "no", "a photo is over 4 MB or not JPG/PNG", PZ_FB),
    row("facebook", None, 1346003, "content", "no", "Facebook flagged the content as abusive", PZ_FB),
    row("facebook", None, 1404006, "account", "no",
        "Facebook requires a security check on the account", PZ_FB),
    row("facebook", None, 1404078, "reconnect", "no", "the Page needs publishing authorisation again", PZ_FB),
    row("facebook", None, 1404102, "content", "no",
        "the post violates Facebook's Community Standards", PZ_FB),
    row("facebook", None, 1404112, "wait", "later", "the account has limited access for some days", PZ_FB),
    row("facebook", None, 1366051, "content", "no", "these photos were already posted", PZ_FB),
    row("facebook", None, 1609008, "content", "no", "facebook.com links cannot be posted", PZ_FB),
    row("facebook", None, 2061006, "content", "no", "a URL in the post is malformed", PZ_FB),
    row("facebook", None, 1349125, "content", "no", "the post's content format is invalid", PZ_FB),
    row("facebook", None, 1363047, "platform", "verify", "Facebook was temporarily unavailable", PZ_FB),
    row("facebook", None, 1609010, "platform", "verify", "Facebook was temporarily unavailable", PZ_FB),
    row("facebook", None, 4854002, "account", "no", "the Page owner must confirm their identity", PZ_FB),
    row("facebook", 490, None, "reconnect", "no", "the access token expired", PZ_FB),
    row("facebook", 6000, None, "platform", "yes", "the video upload failed (nothing was published)", FB_VID),
    row("facebook", None, 1363030, "platform", "yes",
        "the video upload timed out (nothing was published)", FB_VID),
    row("facebook", None, 1363023, "content", "no", "the video file is larger than 2 GB", FB_VID),
    row("facebook", None, 1363022, "content", "no", "the video file is smaller than 1 KB", FB_VID),
    row("facebook", None, 1363042, "reconnect", "no", "the account may not upload to this Page", FB_VID),
    row("facebook", None, 1363037, "late", "yes", "Late sent a bad video upload offset", FB_VID),
    # Instagram: the subcode names the error (IG error-code reference).
    row("instagram", None, 2207003, "platform", "yes", "Instagram timed out downloading the media", IG_EC),
    row("instagram", None, 2207020, "late", "yes",
        "the media container expired before Late published it", IG_EC),
    row("instagram", None, 2207001, "platform", "yes", "Instagram's server failed creating the media", IG_EC),
    row("instagram", None, 2207032, "platform", "yes", "Instagram failed to create the media", IG_EC),
    row("instagram", None, 2207053, "platform", "yes", "Instagram's upload failed", IG_EC),
    row("instagram", None, 2207057, "content", "no", "the video's thumbnail offset is invalid", IG_EC),
    row("instagram", None, 2207051, "wait", "verify",
        "Instagram restricted the activity as possible spam; the post may be live", PZ_ISSUE + "1681"),
    row("instagram", None, 2207042, "wait", "later",
        "the account reached Instagram's daily publishing limit", IG_CPL),
    row("instagram", None, 2207004, "content", "no", "the image is larger than 8 MB", IG_EC),
    row("instagram", None, 2207009, "content", "no", "the image's aspect ratio is not supported", IG_EC),
    row("instagram", None, 2207010, "content", "no", "the caption is too long", PZ_IG),
    row("instagram", None, 2207005, "content", "no", "the image format is not supported", PZ_IG),
    row("instagram", None, 2207023, "content", "no", "the media type is not known", PZ_IG),
    row("instagram", None, 2207026, "content", "no", "the video format is not supported", PZ_IG),
    row("instagram", None, 2207028, "content", "no", "a carousel needs 2 to 10 items", PZ_IG),
    *(
        row("instagram", None, s, "content", "no", "a product tag is invalid", PZ_IG)
        for s in range(2207035, 2207041)
    ),
    row("instagram", None, 2207018, "content", "no", "a collaborator cannot be tagged on this post", PZ_IG),
    row("instagram", None, 2207081, "content", "no", "the account does not support Trial Reels", PZ_IG),
    row("instagram", None, 2207050, "account", "no",
        "the Instagram account is inactive, checkpointed or restricted", IG_EC),
    row("instagram", None, 2207077, "platform", "yes", "Instagram could not download the video", PZ_IG),
    row("instagram", None, 2207052, "platform", "yes", "Instagram could not fetch the media", PZ_IG),
    row("instagram", None, 2207082, "platform", "yes", "the media upload failed", PZ_IG),
    row("instagram", None, 2207027, "platform", "yes",
        "the media is still processing (nothing was published)", IG_EC),
    row("instagram", 9, 2207042, "wait", "later",
        "the account reached Instagram's daily publishing limit", IG_CPL),
    row("instagram", 25, None, "account", "no",
        "the Instagram account is inactive, checkpointed or restricted", LT_IG),
    # Threads.
    row("threads", 4279013, None, "account", "no", "the Threads user is restricted", PZ_TH),
    row("threads", None, 4279013, "account", "no", "the Threads user is restricted", PZ_TH),
    row("threads", None, 4279009, "platform", "yes",
        "the media container is not ready yet (nothing was published)", TH_TS),
    row("threads", "failed_downloading_video", None, "late", "no",
        "Threads could not fetch the media URL", TH_TS),
    *(
        row("threads", c, None, "content", "no", "the video is outside Threads' specification", TH_TS)
        for c in (
            "invalid_aspec_ratio",
            "invalid_aspect_ratio",
            "invalid_bit_rate",
            "invalid_duration",
            "invalid_frame_rate",
            "invalid_audio_channels",
            "invalid_audio_channel_layout",
        )
    ),
    row("threads", "failed_processing_video", None, "content", "no",
        "Threads could not process the video", TH_TS),
    row("threads", "failed_processing_audio", None, "content", "no",
        "Threads could not process the audio", TH_TS),
    row("threads", "expired", None, "late", "yes", "the container expired before Late published it", TH_TS),
)

# Added from public issue threads and docs while testing (tests/test_verdicts.py has verbatim cases).
EXTRA_ROWS: tuple[Row, ...] = (
    row("instagram", None, 2207006, "late", "yes",
        "the media container was not found: Late must upload it again", PZ_IG),
    row("instagram", None, 2207008, "late", "yes",
        "the media builder expired before Late published it", PZ_IG),
)

# Order matters inside a platform: the first match wins.
MESSAGE_ROWS: tuple[Row, ...] = (
    # Instagram.
    text_row(
        "instagram",
        r"not an? instagram business|business or creator|professional account",
        "account",
        "no",
        "the Instagram account must be a Business or Creator account linked to a Page",
        PZ_IG,
    ),
    text_row("instagram", r"page request limit reached", "wait", "later",
             "the Page's posting limit for today is reached", PZ_IG),
    text_row("instagram", r"restrict certain activity|we limit how often", "wait", "verify",
             "Instagram restricted the activity as possible spam; the post may be live", IG_EC),
    text_row("instagram", r"media (?:id )?is not available|not (?:yet )?ready (?:for|to be) publish",
             "platform", "yes", "the media is still processing (nothing was published)", IG_EC),
    text_row("instagram", r"too (?:little|many) attachments|carousel", "content", "no",
             "a carousel needs 2 to 10 items", PZ_IG),
    text_row("instagram", r"collaborators? is not allowed|cannot be tagged", "content", "no",
             "a collaborator cannot be tagged on this post", PZ_ISSUE + "1876"),
    text_row("instagram", r"not enough permissions to post", "reconnect", "no",
             "the Instagram publishing permission is missing", PZ_IG),
    text_row("instagram", r"instagram_content_publish", "reconnect", "no",
             "the Instagram publishing permission is missing", PZ_ISSUE + "1914"),
    # Threads.
    text_row("threads", r"could not be fetched from this uri|failed_downloading", "late", "no",
             "Threads could not fetch the media URL", PZ_TH),
    text_row("threads", r"at most \d+ characters", "content", "no",
             "the text is longer than Threads allows", PZ_TH),
    # Facebook.
    text_row("facebook", r"confirm (?:your|their) identity|security check", "account", "no",
             "Facebook requires a security check on the account", PZ_FB),
    text_row("facebook", r"publish_actions|pages_manage_posts|manage_pages|page publishing authori",
             "reconnect", "no", "the Page publishing permission is missing", PZ_FB),
    # Meta (all three).
    text_row("meta", r"checkpoint", "account", "no",
             "the account is checkpointed: the owner must log in first", M_SUB),
    text_row(
        "meta",
        r"(?:user|you|person|member) (?:does not|doesn't) have (?:sufficient )?administrative permission|"
        r"not an admin|page role|"
        r"must be an? (?:admin|administrator|editor|moderator)|administrator, editor|role on the page|"
        r"task (?:on|for) (?:the|this) page|installed in the group",
        "account",
        "no",
        "the connected user lacks a role on the Page",
        M_EH,
    ),
)
# fmt: on
