"""Verdicts on failed attempts: who must act (reconnect, account, content, wait, platform, late, unknown),
whether a retry is safe (yes, later, no, verify) and a one-line hint,
from a data table of known platform errors.

`classify()` judges one failure from Late's fields and the raw body; `classify_entry()` one raw Late entry;
`frame_verdicts()` a whole attempts frame, once per distinct failure.
"""

from late_logs.verdicts.classify import (
    PLATFORM_NAMES,
    RETRY_LABELS,
    VERDICTS_VERSION,
    WHO_LABELS,
    Verdict,
    classify,
    classify_entry,
)
from late_logs.verdicts.frame import VERDICT_COLUMNS, frame_verdicts
from late_logs.verdicts.table import RETRY, WHO_MUST_ACT

verdict = classify  # the verdict on one failure, under the name the issue uses

__all__ = [
    "PLATFORM_NAMES",
    "RETRY",
    "RETRY_LABELS",
    "VERDICTS_VERSION",
    "VERDICT_COLUMNS",
    "WHO_LABELS",
    "WHO_MUST_ACT",
    "Verdict",
    "classify",
    "classify_entry",
    "frame_verdicts",
    "verdict",
]
