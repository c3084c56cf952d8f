"""The Explorer's search language: `parse` turns the search box's text into a `Query`, `matches` gives the
boolean mask of the attempts a query keeps.

Syntax (the README's "Search" table says the same):
- `spring sale`: every word must appear (case-insensitive) in the error message, caption, endpoint, an id, the
  account handle or the error code; a word matches inside longer text ("sale" finds "sales").
- `"spring sale"`: the quoted phrase, as written.
- `field:value` keeps rows whose field is that value; `field:a,b` is any of them; `field:"two words"` quotes.
  Fields: platform, action, status, account (handle, anywhere in it, across platforms, or account id), code
  (error code or HTTP status), group (error group key), post (post id), class or who (the verdict: who must
  act, e.g. `who:reconnect`).
- `-word`, `-"a phrase"`, `-field:value` exclude.

Parsing never fails: what it cannot read becomes a sentence in `Query.errors` saying what was done instead,
and the rest of the query still applies. Matching is vectorised: a field term compares the column's distinct
values, not every row, and words are searched only in rows every earlier term kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import AbstractSet, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from late_logs import analysis

# Columns a free word or phrase is looked for in (any one of them is enough).
TEXT_COLUMNS = (
    "error_message",
    "content_preview",
    "post_content",
    "endpoint",
    "account_username",
    "error_code",
    "log_id",
    "post_id",
    "account_id",
    "platform_post_id",
)
COSTLY_FIELDS = ("group", "class", "who")
# What group keys and verdicts are computed from.
MESSAGE_COLUMNS = (
    "platform",
    "action",
    "status",
    "status_code",
    "error_code",
    "error_message",
    "account_username",
    "created_at",
)
VERDICT_COLUMN = "who_must_act"  # a frame may carry it; else the verdicts engine computes it
VERDICT_FIELDS = ("class", "who")  # two names for one thing: the verdict's "who must act"

# field name → (what it is called in sentences, an example value)
FIELDS: dict[str, tuple[str, str]] = {
    "platform": ("platform", "instagram"),
    "action": ("action", "publish"),
    "status": ("status", "failed"),
    "account": ("account", "acme"),
    "code": ("error code or HTTP status", "429"),
    "group": ("error group", "3f2a9c1b0d4e"),
    "post": ("post", "6650f1c2a9b8e7d6c5b4a392"),
    "class": ("who must act", "reconnect"),
    "who": ("who must act", "reconnect"),
    "source": ("source", "acme"),  # the workspace's label, when several are collected
}
FIELD_LIST = ", ".join(FIELDS)
# More terms than a person types; a pasted wall of text is cut here so one search cannot stall the page.
MAX_TERMS = 20

_TOKEN = re.compile(
    r"""(?P<neg>-)?
    (?:
        (?P<field>[A-Za-z_]+):(?:"(?P<fquoted>[^"]*)(?P<fclose>")?|(?P<fvalue>[^\s"]*))
      | "(?P<phrase>[^"]*)(?P<close>")?
      | (?P<word>[^\s"]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Term:
    """One condition: free text (`field` None) or a field with any of `values`; `negated` excludes."""

    field: str | None
    values: tuple[str, ...]
    negated: bool = False
    phrase: bool = False  # free text that was quoted

    def describe(self) -> str:
        if self.field is None:
            text = f'"{self.values[0]}"' if self.phrase else self.values[0]
            return f"without {text}" if self.negated else text
        label = FIELDS[self.field][0]
        values = " or ".join(self.values)
        return f"{label} not {values}" if self.negated else f"{label} {values}"


@dataclass(frozen=True)
class Query:
    """A parsed search: the terms every kept row satisfies, and what could not be read, in plain words."""

    text: str = ""
    terms: tuple[Term, ...] = ()
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.terms

    def describe(self) -> str:
        """The query in words, e.g. `spring · "sale" · platform instagram · status not failed`."""
        return " · ".join(term.describe() for term in self.terms)


# --------------------------------------------------------------------------------------------- parsing


def _example(name: str) -> str:
    return f"{name}:{FIELDS[name][1]}"


def _values(raw: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


def known_verdicts() -> tuple[str, ...] | None:
    """The words a verdict's "who must act" can be; None where this checkout has no verdicts engine.

    The engine (`late_logs.verdicts`) is built alongside the search; until it is present, `who:` and `class:`
    can only read a verdict column a frame already carries.
    """
    try:
        from late_logs.verdicts import WHO_MUST_ACT
    except ImportError:
        return None
    return tuple(WHO_MUST_ACT)


def _verdicts_of(frame: pd.DataFrame) -> pd.Series | None:
    """Who must act, per row: the frame's verdict column, else the engine's verdicts, else None."""
    if VERDICT_COLUMN in frame.columns:
        return frame[VERDICT_COLUMN]
    try:
        from late_logs.verdicts import frame_verdicts
    except ImportError:
        return None
    return frame_verdicts(frame)[VERDICT_COLUMN]


def parse(text: str | None, columns: Iterable[str] | None = None) -> Query:
    """The query of a search box's text. With `columns` (the frame's), a field the store cannot answer (who,
    before the verdicts column exists) is reported in `errors`; it never matches anything away."""
    text = "" if text is None else str(text)
    terms: list[Term] = []
    errors: list[str] = []
    position, length = 0, len(text)
    while position < length:
        if text[position].isspace():
            position += 1
            continue
        found = _TOKEN.match(text, position)
        if found is None:  # cannot happen: a lone '"' matches an unclosed phrase; kept for safety
            position += 1
            continue
        position = found.end()
        raw = found.group(0)
        negated = found.group("neg") is not None
        if len(terms) >= MAX_TERMS:
            errors.append(
                f"The search has more than {MAX_TERMS} terms; everything from {raw} on was ignored."
            )
            break
        name = found.group("field")
        if name is not None:
            term, error = _field_term(name.lower(), found, raw, negated)
        elif found.group("phrase") is not None:
            term, error = _phrase_term(found, negated)
        else:
            term, error = _word_term(found.group("word"), negated)
        if error:
            errors.append(error)
        if term is not None:
            terms.append(term)
    if columns is not None and VERDICT_COLUMN not in set(columns) and known_verdicts() is None:
        for term in terms:
            if term.field in VERDICT_FIELDS:
                errors.append(
                    f"{term.field}: needs the verdict of each failure, which this version does not compute "
                    f"yet, so {term.field}:{','.join(term.values)} was ignored."
                )
    return Query(text=text, terms=tuple(terms), errors=tuple(errors))


def _word_term(word: str, negated: bool) -> tuple[Term | None, str | None]:
    if word == "-":
        return None, (
            'A lone "-" excludes nothing, so it was ignored: write the word or field right after it, as in '
            "-timeout or -platform:tiktok."
        )
    return Term(None, (word,), negated), None


def _phrase_term(found: re.Match[str], negated: bool) -> tuple[Term | None, str | None]:
    phrase, closed = found.group("phrase"), found.group("close") is not None
    if not phrase.strip():
        if closed:
            return None, 'Empty quotes "" were ignored: put the phrase between them, as in "spring sale".'
        return None, 'A lone quote mark " was ignored: put quotes around a phrase, as in "spring sale".'
    term = Term(None, (phrase,), negated, phrase=True)
    if not closed:
        return term, (
            f'The quote before {phrase.strip()} is not closed, so the phrase runs to the end of the box: '
            f'add the closing quote mark ".'
        )
    return term, None


def _field_term(name: str, found: re.Match[str], raw: str, negated: bool) -> tuple[Term | None, str | None]:
    quoted = found.group("fquoted")
    value = quoted if quoted is not None else found.group("fvalue")
    if name not in FIELDS:
        if "://" in raw:  # a URL, not a field: search it as it is
            return Term(None, (raw.lstrip("-") if negated else raw,), negated), None
        word = raw[1:] if negated else raw
        return Term(None, (word,), negated), (
            f"There is no field called {name}, so {word} was searched as plain text. "
            f"The fields are {FIELD_LIST}."
        )
    values = (value.strip(),) if quoted is not None and value.strip() else _values(value)
    error = None
    if quoted is not None and found.group("fclose") is None:
        error = (
            f"The quote after {name}: is not closed, so the value runs to the end of the box: add the "
            f'closing quote mark ".'
        )
    if not values:
        return None, (
            f"{name}: has no value, so it was ignored: write the value right after the colon, as in "
            f"{_example(name)}."
        )
    verdict_words = known_verdicts() if name in VERDICT_FIELDS else None
    if verdict_words:
        known = tuple(v for v in values if v.lower() in verdict_words)
        unknown = [v for v in values if v.lower() not in verdict_words]
        if unknown:
            error = (
                f"{', '.join(unknown)} is not a verdict, so it was ignored: who must act is one of "
                f"{', '.join(verdict_words)}."
            )
        if not known:
            return None, error
        values = known
    return Term(name, values, negated), error


# --------------------------------------------------------------------------------------------- matching


def _bools(values: object) -> np.ndarray:
    """A writeable numpy bool array from a (possibly nullable) boolean result; missing counts as False."""
    if isinstance(values, np.ndarray):
        return values.astype(bool, copy=True)
    return pd.Series(values).to_numpy(dtype=bool, na_value=False).copy()


def _by_distinct(series: pd.Series, keep) -> np.ndarray:
    """Rows whose value passes `keep(lowercased value)`, deciding once per distinct value (a few hundred
    platforms, codes or handles stand for a million rows)."""
    numbers, uniques = pd.factorize(series, use_na_sentinel=True)
    if not len(uniques):
        return np.zeros(len(series), dtype=bool)
    chosen = np.fromiter((bool(keep(str(u).lower())) for u in uniques), dtype=bool, count=len(uniques))
    hit = np.zeros(len(series), dtype=bool)
    present = numbers >= 0
    hit[present] = chosen[numbers[present]]
    return hit


def _missing(series: pd.Series) -> np.ndarray:
    text = series.astype("string")
    return _bools(text.isna() | (text.str.strip() == ""))


def _field_mask(frame: pd.DataFrame, term: Term) -> np.ndarray | None:
    """Rows a field term (not negated) keeps; a column the frame lacks keeps nothing. None when the term
    cannot be answered at all (verdicts without an engine): it is ignored, negated or not."""
    wanted = {v.lower() for v in term.values}
    name = term.field

    def column(col: str) -> pd.Series | None:
        return frame[col] if col in frame.columns else None

    if name in ("platform", "action", "status", "post", "group", "source"):
        if name == "group":
            series: pd.Series | None = analysis.error_group_keys(frame)
        else:
            series = column({"post": "post_id"}.get(name, name))
        if series is None:
            return np.zeros(len(frame), dtype=bool)
        hit = _by_distinct(series, lambda v: v in wanted)
        if name in ("platform", "action") and wanted & {"unknown", analysis.UNKNOWN}:
            hit |= _missing(series)  # breakdowns label a missing platform or action "(unknown)"
        return hit
    if name == "account":
        handles = [v.lstrip("@") for v in wanted]
        hit = np.zeros(len(frame), dtype=bool)
        if (usernames := column("account_username")) is not None:
            hit |= _by_distinct(usernames, lambda v: any(h in v.lstrip("@") for h in handles))
        if (ids := column("account_id")) is not None:
            hit |= _by_distinct(ids, lambda v: v in wanted)
        return hit
    if name == "code":
        hit = np.zeros(len(frame), dtype=bool)
        if (codes := column("error_code")) is not None:
            hit |= _by_distinct(codes, lambda v: v in wanted or v.lstrip("#") in wanted)
            if wanted & {"none", analysis.NO_CODE}:
                hit |= _missing(codes)
        numbers = {int(v) for v in wanted if v.isdigit() and len(v) <= 4}
        if numbers and (statuses := column("status_code")) is not None:
            hit |= _bools(statuses.isin(sorted(numbers)))
        return hit
    if name in VERDICT_FIELDS:
        verdicts = _verdicts_of(frame)
        if verdicts is None:
            return None  # reported by parse(columns=...); never hides rows
        return _by_distinct(verdicts, lambda v: v in wanted)
    return None


def _text_mask(frame: pd.DataFrame, needle: str, positions: np.ndarray | None) -> np.ndarray:
    """Of the rows at `positions` (all rows for None), those where any text column holds `needle`,
    case-insensitive, taken literally. Each column is searched only in the rows no earlier column matched,
    and only the searched column's values are taken, never whole rows."""
    rows = np.arange(len(frame)) if positions is None else positions
    hit = np.zeros(len(rows), dtype=bool)
    pending = np.arange(len(rows))  # indexes into `rows` not matched yet
    for col in TEXT_COLUMNS:
        if col not in frame.columns or not len(pending):
            continue
        values = frame[col]
        if len(pending) < len(frame):
            values = values.take(rows[pending])
        found = _bools(values.astype("string").str.contains(needle, case=False, regex=False))
        hit[pending[found]] = True
        pending = pending[~found]
    return hit


def matches(query: Query, frame: pd.DataFrame) -> np.ndarray:
    """The boolean mask (aligned with `frame`'s rows) of the attempts every term of `query` keeps.

    Field terms run first, on the whole frame; words and phrases, the costly part, only on the rows still
    kept, so each further word searches fewer rows.
    """
    keep = np.ones(len(frame), dtype=bool)
    fields = [t for t in query.terms if t.field is not None]
    texts = [t for t in query.terms if t.field is None]
    # Group keys and verdicts read the messages: they go after the cheap fields, on the rows left.
    for term in sorted(fields, key=lambda t: t.field in COSTLY_FIELDS):
        alive = np.flatnonzero(keep)
        if not len(alive):
            return keep
        if term.field in COSTLY_FIELDS and len(alive) < len(frame):
            wanted = (*MESSAGE_COLUMNS, VERDICT_COLUMN)
            narrow = frame[[c for c in wanted if c in frame.columns]].iloc[alive]
            hit = _field_mask(narrow, term)
            if hit is not None:
                keep[alive] = ~hit if term.negated else hit
            continue
        hit = _field_mask(frame, term)
        if hit is not None:
            keep &= ~hit if term.negated else hit
    for term in sorted(texts, key=lambda t: t.negated):  # positive words narrow most: run them first
        alive = np.flatnonzero(keep)
        if not len(alive):
            return keep
        hit = _text_mask(frame, term.values[0], None if len(alive) == len(frame) else alive)
        keep[alive] = ~hit if term.negated else hit
    return keep


def search(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """The rows of `frame` the search text keeps, in the frame's order (the whole frame for an empty one)."""
    query = parse(text)
    if query.empty or not len(frame):
        return frame
    return frame[matches(query, frame)]


# --------------------------------------------------------------------------------------------- SQL

# The SQL side's blank test: Python's str.strip() whitespace (ASCII part), which trim() would not all take.
_SQL_BLANK = "({col} IS NULL OR trim({col}, ' \t\n\r\x0b\x0c') = '')"


def _like_pattern(needle: str) -> str:
    """`%needle%` for ILIKE ... ESCAPE '\\': the needle taken literally (its %, _ and \\ escaped)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _field_sql(term: Term) -> tuple[str, list[object]]:
    """A field term (not negated) as SQL over a file's columns, meaning what `_field_mask` keeps; the
    error group and the verdict are stored columns there (`error_group`, `who_must_act`)."""
    wanted = sorted({v.lower() for v in term.values})
    name = term.field
    if name in ("platform", "action", "status", "post", "group"):
        column = {"post": "post_id", "group": "error_group"}.get(name, name)
        sql = f"list_contains(?, lower({column}))"
        if name in ("platform", "action") and set(wanted) & {"unknown", analysis.UNKNOWN}:
            sql = f"({sql} OR {_SQL_BLANK.format(col=column)})"
        return sql, [wanted]
    if name == "account":
        handles = [v.lstrip("@") for v in wanted]
        return (
            "(len(list_filter(?, lambda h: contains(ltrim(lower(account_username), '@'), h))) > 0"
            " OR list_contains(?, lower(account_id)))",
            [handles, wanted],
        )
    if name == "code":
        parts = ["list_contains(?, lower(error_code))", "list_contains(?, ltrim(lower(error_code), '#'))"]
        params: list[object] = [wanted, wanted]
        if set(wanted) & {"none", analysis.NO_CODE}:
            parts.append(_SQL_BLANK.format(col="error_code"))
        numbers = sorted({int(v) for v in wanted if v.isdigit() and len(v) <= 4})
        if numbers:
            parts.append("list_contains(?, status_code)")
            params.append(numbers)
        return "(" + " OR ".join(parts) + ")", params
    if name in VERDICT_FIELDS:
        return f"list_contains(?, lower({VERDICT_COLUMN}))", [wanted]
    return "FALSE", []


def may_hold(alphabet: AbstractSet[str] | None, needle: str) -> bool:
    """Whether a column whose values are made of these (lowercased ASCII) characters can hold the needle,
    case-insensitive; an unknown alphabet, or a needle outside ASCII, may always."""
    if alphabet is None or not needle.isascii():
        return True
    return set(needle.lower()) <= alphabet


def needles(query: Query) -> list[str]:
    """The words and phrases of a query (negated ones too): what is looked for in TEXT_COLUMNS."""
    return list(dict.fromkeys(term.values[0] for term in query.terms if term.field is None))


def _text_sql(needle: str, columns: Sequence[str]) -> tuple[str, list[object]]:
    """A word or phrase as SQL: one of `columns` holds it, case-insensitive, taken literally.

    Without % or _ in the needle there is nothing to escape, and an ILIKE without ESCAPE runs DuckDB's fast
    matcher: 2.6x faster over 10M attempts (11 s instead of 30 s for ten columns over 90 days)."""
    if not columns:
        return "FALSE", []
    if "%" in needle or "_" in needle:
        pattern, escape = _like_pattern(needle), " ESCAPE '\\'"
    else:
        pattern, escape = f"%{needle}%", ""  # a backslash is an ordinary character without ESCAPE
    parts = [f"{column} ILIKE ?{escape}" for column in columns]
    return "(" + " OR ".join(parts) + ")", [pattern] * len(columns)


def to_sql(query: Query, columns: Mapping[str, Sequence[str]] | None = None) -> tuple[str, list[object]]:
    """The query as a SQL condition over the store's Parquet columns and its parameters (values are always
    bound, never formatted in), keeping exactly the rows `matches` keeps: every term ANDed, a missing value
    never matching, `-` negating. An empty query is TRUE. `columns`: for a word or phrase, the text columns
    it is looked for in (by default all of TEXT_COLUMNS): the caller's to narrow to those that can hold it
    (a column none of whose values holds it adds nothing to the OR, negated or not)."""
    parts: list[str] = []
    params: list[object] = []
    for term in query.terms:
        if term.field is not None:
            sql, values = _field_sql(term)
        else:
            needle = term.values[0]
            looked_in = TEXT_COLUMNS if columns is None else columns.get(needle, TEXT_COLUMNS)
            sql, values = _text_sql(needle, looked_in)
        kept = f"COALESCE({sql}, FALSE)"
        parts.append(f"NOT {kept}" if term.negated else kept)
        params.extend(values)
    return (" AND ".join(parts) if parts else "TRUE"), params
