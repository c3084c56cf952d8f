"""The Explorer's search language: every operator and every error sentence of the parser, and what the
query keeps on a small frame of exactly known attempts (whole id lists asserted).

The fixture's handles follow how one brand's accounts are named across platforms in the wild (Bluesky's
`name.bsky.social`, YouTube channel names, Reddit's `_official`), and its errors are real platform texts
(Meta's OAuthException 190, X's 429 rate limit, LinkedIn's duplicate content), not our simulator's.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from late_logs import analysis, search
from late_logs.records import to_frame
from late_logs.search import MAX_TERMS, Term, matches, parse

T0 = datetime(2025, 11, 20, 9, 0, tzinfo=timezone.utc)
# The verdicts engine is built alongside the search; some behaviours differ with and without it.
HAS_VERDICTS = importlib.util.find_spec("late_logs.verdicts") is not None
needs_verdicts = pytest.mark.skipif(not HAS_VERDICTS, reason="this checkout has no verdicts engine yet")
without_verdicts = pytest.mark.skipif(HAS_VERDICTS, reason="this checkout has the verdicts engine")
ALL = ["s1", "s2", "s3", "s4", "s5", "s6", "s7"]


def attempt(log_id: str, minutes: int, **fields) -> dict:
    record = {
        "log_id": log_id,
        "created_at": T0 - timedelta(minutes=minutes),
        "platform": "instagram",
        "action": "publish",
        "status": "success",
        "account_id": "acc_ig",
        "account_username": "acme",
        "post_id": "p1",
    }
    record.update(fields)
    return record


@pytest.fixture
def attempts() -> pd.DataFrame:
    return to_frame(
        [
            attempt("s1", 0, content_preview="Spring is here: our big SALE starts Monday"),
            attempt("s2", 1, content_preview="Spring sale: 20% off (today only)", platform="facebook",
                    account_id="acc_fb", account_username="@acme"),
            attempt("s3", 2, content_preview="Spring collection", platform="bluesky", account_id="acc_bs",
                    account_username="acme.bsky.social", status="failed", status_code=401, error_code="190",
                    error_message="Error validating access token: Session has expired.", post_id="p2"),
            attempt("s4", 3, platform="twitter", account_id="acc_x", account_username="@acme_hq",
                    status="failed", status_code=429, error_code=None,
                    error_message="Too Many Requests: rate limit exceeded", action="retry", post_id="p2"),
            attempt("s5", 4, platform="linkedin", account_id="acc_li", account_username="globex",
                    status="failed", status_code=422, error_code="DUPLICATE_POST",
                    error_message="Content is a duplicate of urn:li:share:7", endpoint="https://api.linkedin.com/rest/posts",
                    post_id="p3"),
            attempt("s6", 5, platform=None, action=None, account_id="acc_yt", account_username="acmeTV",
                    status="pending", post_id="p4"),
            attempt("s7", 6, platform="reddit", account_username="globex_official", account_id="acc_rd",
                    status="skipped", content_preview="Price (a+b) [sale]", post_id="p5"),
        ]
    )


def kept(frame: pd.DataFrame, text: str) -> list[str]:
    return frame[matches(parse(text, frame.columns), frame)]["log_id"].tolist()


# --------------------------------------------------------------------------------------------- parser


def test_words_are_separate_terms_that_all_must_match() -> None:
    query = parse("spring  Sale")
    assert query.terms == (Term(None, ("spring",)), Term(None, ("Sale",)))
    assert query.errors == ()
    assert query.describe() == "spring · Sale"


def test_quoted_phrase_is_one_term() -> None:
    query = parse('"spring sale" boots')
    assert query.terms == (Term(None, ("spring sale",), phrase=True), Term(None, ("boots",)))
    assert query.describe() == '"spring sale" · boots'


def test_field_value_with_any_of_and_quotes_and_any_case_field_name() -> None:
    query = parse('Platform:instagram,facebook account:"acme hq" status:failed,')
    assert query.terms == (
        Term("platform", ("instagram", "facebook")),
        Term("account", ("acme hq",)),
        Term("status", ("failed",)),
    )
    assert query.errors == ()
    assert query.describe() == "platform instagram or facebook · account acme hq · status failed"


def test_minus_excludes_words_phrases_and_fields() -> None:
    query = parse('-timeout -"rate limit" -platform:tiktok')
    assert query.terms == (
        Term(None, ("timeout",), negated=True),
        Term(None, ("rate limit",), negated=True, phrase=True),
        Term("platform", ("tiktok",), negated=True),
    )
    assert query.describe() == 'without timeout · without "rate limit" · platform not tiktok'


def test_every_field_is_understood() -> None:
    text = "platform:a action:b status:c account:d code:e group:f post:g class:reconnect who:wait source:h"
    query = parse(text)
    assert [t.field for t in query.terms] == list(search.FIELDS)
    assert query.errors == ()


def test_a_url_is_a_word_not_an_unknown_field() -> None:
    query = parse("https://api.linkedin.com/rest/posts")
    assert query.terms == (Term(None, ("https://api.linkedin.com/rest/posts",)),)
    assert query.errors == ()


def test_words_with_a_colon_that_are_not_fields_stay_words() -> None:
    assert parse("12:30").terms == (Term(None, ("12:30",)),)
    assert parse("12:30").errors == ()


def test_empty_search_is_an_empty_query() -> None:
    for text in ("", "   ", None):
        query = parse(text)
        assert query.empty and query.errors == () and query.describe() == ""


def test_error_lone_minus() -> None:
    query = parse("timeout -")
    assert query.terms == (Term(None, ("timeout",)),)
    assert query.errors == (
        'A lone "-" excludes nothing, so it was ignored: write the word or field right after it, as in '
        "-timeout or -platform:tiktok.",
    )


def test_error_empty_quotes() -> None:
    query = parse('"" sale')
    assert query.terms == (Term(None, ("sale",)),)
    assert query.errors == (
        'Empty quotes "" were ignored: put the phrase between them, as in "spring sale".',
    )


def test_error_lone_quote_mark() -> None:
    query = parse('sale "')
    assert query.terms == (Term(None, ("sale",)),)
    assert query.errors == (
        'A lone quote mark " was ignored: put quotes around a phrase, as in "spring sale".',
    )


def test_error_unclosed_phrase_still_searches_the_rest_as_a_phrase() -> None:
    query = parse('status:failed "spring sale')
    assert query.terms == (Term("status", ("failed",)), Term(None, ("spring sale",), phrase=True))
    assert query.errors == (
        'The quote before spring sale is not closed, so the phrase runs to the end of the box: add the '
        'closing quote mark ".',
    )


def test_error_unclosed_quote_after_a_field() -> None:
    query = parse('account:"acme hq')
    assert query.terms == (Term("account", ("acme hq",)),)
    assert query.errors == (
        'The quote after account: is not closed, so the value runs to the end of the box: add the closing '
        'quote mark ".',
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("platform:", "platform: has no value, so it was ignored: write the value right after the colon, "
                      "as in platform:instagram."),
        ("-code:", "code: has no value, so it was ignored: write the value right after the colon, as in "
                   "code:429."),
        ('who:""', "who: has no value, so it was ignored: write the value right after the colon, as in "
                   "who:reconnect."),
        ("status:,", "status: has no value, so it was ignored: write the value right after the colon, as in "
                     "status:failed."),
    ],
)
def test_error_field_without_value(text: str, error: str) -> None:
    query = parse(text)
    assert query.terms == ()
    assert query.errors == (error,)


def test_error_unknown_field_is_searched_as_plain_text() -> None:
    query = parse("-error:timeout")
    assert query.terms == (Term(None, ("error:timeout",), negated=True),)
    assert query.errors == (
        "There is no field called error, so error:timeout was searched as plain text. The fields are "
        "platform, action, status, account, code, group, post, class, who, source.",
    )


@needs_verdicts
def test_error_unknown_verdict_is_ignored() -> None:
    words = ", ".join(search.known_verdicts() or ())
    query = parse("class:tokn,reconnect who:later")
    assert query.terms == (Term("class", ("reconnect",)),)
    assert query.errors == (
        f"tokn is not a verdict, so it was ignored: who must act is one of {words}.",
        f"later is not a verdict, so it was ignored: who must act is one of {words}.",
    )


def test_error_too_many_terms() -> None:
    words = [f"w{i}" for i in range(MAX_TERMS + 3)]
    query = parse(" ".join(words))
    assert [t.values[0] for t in query.terms] == words[:MAX_TERMS]
    assert query.errors == (
        f"The search has more than {MAX_TERMS} terms; everything from w{MAX_TERMS} on was ignored.",
    )


@without_verdicts
def test_error_who_without_verdicts(attempts: pd.DataFrame) -> None:
    query = parse("who:reconnect -class:wait", attempts.columns)
    assert query.terms == (Term("who", ("reconnect",)), Term("class", ("wait",), negated=True))
    assert query.errors == (
        "who: needs the verdict of each failure, which this version does not compute yet, so who:reconnect "
        "was ignored.",
        "class: needs the verdict of each failure, which this version does not compute yet, so class:wait "
        "was ignored.",
    )
    assert parse("who:reconnect", [*attempts.columns, search.VERDICT_COLUMN]).errors == ()


# --------------------------------------------------------------------------------------------- matching


def test_spring_sale_finds_captions_with_both_words_anywhere(attempts: pd.DataFrame) -> None:
    """The defect: a plain substring search for "spring sale" found only captions with the exact phrase."""
    assert kept(attempts, "spring sale") == ["s1", "s2"]
    assert kept(attempts, "SPRING") == ["s1", "s2", "s3"]


def test_phrase_needs_the_words_together(attempts: pd.DataFrame) -> None:
    assert kept(attempts, '"spring sale"') == ["s2"]


def test_each_word_may_match_a_different_column(attempts: pd.DataFrame) -> None:
    # "expired" is in s3's error message, "bsky" in its handle, "p2" is its post id.
    assert kept(attempts, "expired bsky p2") == ["s3"]
    assert kept(attempts, "linkedin.com/rest") == ["s5"]  # endpoint
    assert kept(attempts, "acc_rd") == ["s7"]  # account id


def test_regex_characters_are_literal(attempts: pd.DataFrame) -> None:
    assert kept(attempts, "(a+b)") == ["s7"]
    assert kept(attempts, "[sale]") == ["s7"]
    assert kept(attempts, ".*") == []


def test_minus_word_excludes_rows_holding_it_in_any_column(attempts: pd.DataFrame) -> None:
    assert kept(attempts, "-sale") == ["s3", "s4", "s5", "s6"]
    assert kept(attempts, 'spring -"spring sale"') == ["s1", "s3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("platform:facebook", ["s2"]),
        ("platform:FACEBOOK,twitter", ["s2", "s4"]),
        ("-platform:instagram", ["s2", "s3", "s4", "s5", "s6", "s7"]),  # s6 has no platform: kept
        ("platform:unknown", ["s6"]),  # a missing platform, as breakdowns label it
        ("action:retry", ["s4"]),
        ("action:(unknown)", ["s6"]),
        ("status:failed", ["s3", "s4", "s5"]),
        ("-status:success,failed", ["s6", "s7"]),
        ("post:p2", ["s3", "s4"]),
        ("-post:p2,p1", ["s5", "s6", "s7"]),
    ],
)
def test_enum_and_id_fields(attempts: pd.DataFrame, text: str, expected: list[str]) -> None:
    assert kept(attempts, text) == expected


def test_account_finds_one_brand_by_name_across_platforms(attempts: pd.DataFrame) -> None:
    # acme, @acme, acme.bsky.social, @acme_hq, acmeTV: the same customer on five platforms.
    assert kept(attempts, "account:acme") == ["s1", "s2", "s3", "s4", "s6"]
    assert kept(attempts, "account:@ACME_hq") == ["s4"]
    assert kept(attempts, "account:acc_li") == ["s5"]  # an account id, exactly
    assert kept(attempts, "account:acc") == []  # ids are not matched by a part of them
    assert kept(attempts, "-account:acme") == ["s5", "s7"]


def test_code_matches_error_codes_http_statuses_and_missing_codes(attempts: pd.DataFrame) -> None:
    assert kept(attempts, "code:190") == ["s3"]
    assert kept(attempts, "code:duplicate_post") == ["s5"]
    assert kept(attempts, "code:429") == ["s4"]  # HTTP status
    assert kept(attempts, "status:failed code:none") == ["s4"]
    assert kept(attempts, "status:failed -code:none") == ["s3", "s5"]


def test_group_matches_the_error_group_key(attempts: pd.DataFrame) -> None:
    key = analysis.error_group_keys(attempts).iloc[4]
    assert key == analysis.error_group_key(
        "linkedin", "DUPLICATE_POST", analysis.normalise_message("Content is a duplicate of urn:li:share:7")
    )
    assert kept(attempts, f"group:{key}") == ["s5"]
    assert kept(attempts, f"group:{key.upper()}") == ["s5"]
    assert kept(attempts, f"-group:{key} status:failed") == ["s3", "s4"]


def test_who_and_class_match_the_verdict_column(attempts: pd.DataFrame) -> None:
    with_verdicts = attempts.assign(
        who_must_act=pd.array([None, None, "reconnect", "wait", "content", None, None], dtype="string")
    )
    assert kept(with_verdicts, "who:reconnect") == ["s3"]
    assert kept(with_verdicts, "class:Content,reconnect") == ["s3", "s5"]
    assert kept(with_verdicts, "-who:reconnect status:failed") == ["s4", "s5"]
    assert kept(with_verdicts, "who:wait account:acme") == ["s4"]


@without_verdicts
def test_who_without_verdicts_hides_no_rows(attempts: pd.DataFrame) -> None:
    assert kept(attempts, "who:reconnect") == ALL
    assert kept(attempts, "-class:wait status:failed") == ["s3", "s4", "s5"]


@needs_verdicts
def test_who_without_the_column_asks_the_verdicts_engine(attempts: pd.DataFrame) -> None:
    from late_logs.verdicts import frame_verdicts

    verdicts = frame_verdicts(attempts)[search.VERDICT_COLUMN]
    for word in sorted(set(verdicts.dropna())):
        expected = attempts.loc[(verdicts == word).fillna(False).to_numpy(dtype=bool), "log_id"].tolist()
        assert kept(attempts, f"who:{word}") == expected
        assert kept(attempts, f"class:{word} status:failed") == expected
    assert parse("who:reconnect", attempts.columns).errors == ()


def test_fields_words_and_exclusions_combine(attempts: pd.DataFrame) -> None:
    assert kept(attempts, "status:failed account:acme -platform:twitter expired") == ["s3"]
    assert kept(attempts, "spring -platform:facebook -status:failed") == ["s1"]


def test_errors_leave_the_rest_of_the_query_working(attempts: pd.DataFrame) -> None:
    assert kept(attempts, 'platform: - "" spring "sale') == ["s1", "s2"]


def test_empty_query_keeps_every_row(attempts: pd.DataFrame) -> None:
    assert kept(attempts, "") == ALL
    assert search.search(attempts, "  ") is attempts


def test_empty_frame() -> None:
    empty = to_frame([])
    assert search.search(empty, "status:failed spring -who:wait group:abc").empty
    assert matches(parse("spring"), empty).tolist() == []


def test_mask_follows_row_positions_not_the_index(attempts: pd.DataFrame) -> None:
    shuffled = attempts.iloc[[6, 0, 3]].set_axis([10, 3, 7])
    assert matches(parse("sale"), shuffled).tolist() == [True, True, False]


def test_search_on_a_frame_with_missing_text_columns(attempts: pd.DataFrame) -> None:
    narrow = attempts[["log_id", "status", "error_message"]]
    assert narrow[matches(parse("expired status:failed"), narrow)]["log_id"].tolist() == ["s3"]
    assert narrow[matches(parse("platform:instagram"), narrow)].empty


def test_explorer_filter_text_uses_the_search_language(attempts: pd.DataFrame) -> None:
    """Filters.text (the URL's q=) goes through the search language, so the attempt page's previous/next walk
    the same rows the Explorer lists."""
    assert analysis.apply_filters(attempts, analysis.Filters(text="spring sale"))["log_id"].tolist() == [
        "s1",
        "s2",
    ]
    narrowed = analysis.Filters(text="-platform:bluesky spring", statuses=("failed", "success"))
    assert analysis.apply_filters(attempts, narrowed)["log_id"].tolist() == ["s1", "s2"]
