"""The client package's face: every public name re-exported, the error family whole, and nothing of the key
in what the client's helpers hold."""

from __future__ import annotations

import late_logs.api as api
from late_logs.api import LateClient, LateError

KEY = "sk_live_" + "k3y" * 11


def test_every_name_in_all_is_there_and_a_star_import_gets_them() -> None:
    for name in api.__all__:
        assert hasattr(api, name), name
    namespace: dict[str, object] = {}
    exec("from late_logs.api import *", namespace)  # noqa: S102 - what a user's star import gets
    assert set(namespace) - {"__builtins__"} == set(api.__all__)


def test_every_error_of_the_family_is_exported_and_a_late_error() -> None:
    errors = [getattr(api, name) for name in api.__all__ if name.endswith("Error")]
    assert len(errors) == 11
    assert all(issubclass(error, LateError) for error in errors)


def test_the_pacer_and_the_sentences_show_nothing_of_the_key() -> None:
    with LateClient(KEY, "https://late.example/api") as client:
        for helper in (client, client._pacer, client._say):
            shown = repr(vars(helper)) + repr(helper)
            assert KEY not in shown, type(helper).__name__
        assert client._say.scrub(f"echoed {KEY}") == "echoed [REDACTED]"
