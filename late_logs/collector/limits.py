"""The knobs of a collector pass: page size, margins, flush cadence and per-pass bounds, each with its why.

Every part of the collector reads them here at call time (`limits.NAME`), so a test or a benchmark that turns
one (`monkeypatch.setattr(limits, "FROM_MARGIN", ...)`) turns it for the whole pass.
"""

from __future__ import annotations

from datetime import timedelta

DETAIL_BATCH = 25  # details written per store transaction
PAGE_LIMIT = 100  # the API's maximum page size (CONTRACT.md §1.1, §3)
LOOKBACK_DAYS = 7  # the Late 1.0.1 API's maximum `days` and its retention (the unified API keeps 90)
# Flush fetched pages to the store after the first page (so a first pass shows data at once) and then every
# few pages: a SIGKILL loses at most this many pages, which the rerun fetches again.
FLUSH_EVERY_PAGES = 5
# Order is "newest first but unguaranteed" (CONTRACT.md §4): an incremental walk goes on until a page holds an
# item this much older than the watermark, so attempts written slightly out of order are still picked up.
STOP_MARGIN = timedelta(minutes=2)
# A unified incremental pass asks from the watermark minus this margin. Whether `created_at` is when an
# attempt started or when its log was written is not in the spec (CONTRACT.md §3): a long video upload's
# log may become readable many minutes after the instant it carries, below a watermark a quicker log has
# already moved on. 30 minutes covers such uploads; on an account of normal volume that window holds a
# few dozen logs, one page at most (measured in bench/bench_requests.py: idle pass still 3 requests). The
# walk goes down to `from` (the server bounds it), not STOP_MARGIN below the watermark.
FROM_MARGIN = timedelta(minutes=30)
# How far past a settled log's instant its re-read asks (`to`), so the range holds it whether `to` is
# inclusive or half-open; a second also covers a server comparing at whole seconds.
SETTLED_READ_SPAN = timedelta(seconds=1)
# The most one optional step (pending, details, post histories, connections) may take before it is stopped
# and recorded, so one slow step never holds the writer lock for the rest of the day.
STEP_SECONDS = 300.0
# Kinds of drift kept per pass (each with its count and first example).
MAX_DRIFT_KINDS = 20
# Bounds per pass on the per-item requests, so one pass never turns into thousands of calls; what is left
# over is picked up by the next pass.
MAX_PENDING_PAGES = 10
MAX_PENDING_REFRESH = 200
MAX_DETAILS = 1000
MAX_POST_HISTORIES = 200
MAX_CATCH_UP_ROUNDS = 3
# A server that keeps answering "more" with nothing we have not seen ends the walk after this many pages.
MAX_PAGES_WITHOUT_NEWS = 3
# Ids of failed attempts whose detail Late no longer has; kept so a pass does not ask for them again.
MAX_GONE_IDS = 5000

# The names above, which the package `late_logs.collector` reads and sets here (its `__getattr__`).
KNOBS: tuple[str, ...] = tuple(name for name in list(globals()) if name.isupper())
