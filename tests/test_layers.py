"""The house rules a newcomer relies on, checked on the source: pages render what `late_logs.ui` prepares
(no page imports the client, the collector, the source, the store or the records), the collector state's
keys are spelled only in `CollectorState`, the Streamlit internal is touched only by `ui/streamlit_compat`,
and the package root exports every public name it imports."""

from __future__ import annotations

import ast
import dataclasses
import importlib
from pathlib import Path

import pytest

import late_logs
from late_logs.collector import CollectorState

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "pages").glob("*.py"))
FORBIDDEN_IN_PAGES = (
    "late_logs.api",
    "late_logs.collector",
    "late_logs.source",
    "late_logs.store",
    "late_logs.records",
)
STATE_KEYS = {f.name for f in dataclasses.fields(CollectorState)}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, `from late_logs import api` counted as `late_logs.api`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_pages_exist_to_check() -> None:
    assert {p.stem for p in PAGES} >= {"overview", "explorer", "log", "post", "collector", "accounts"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_reaches_no_layer_below_ui(page: Path) -> None:
    reached = {
        name
        for name in imported_modules(page)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_PAGES)
    }
    assert not reached, f"{page.name} imports {sorted(reached)}: ask a late_logs.ui function instead"


BELOW_UI = sorted(
    path
    for path in (ROOT / "late_logs").rglob("*.py")
    if "ui" not in path.relative_to(ROOT / "late_logs").parts[:1]
)


def test_modules_below_ui_exist_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in BELOW_UI}
    assert {"late_logs/digest.py", "late_logs/evidence.py", "late_logs/alerts.py"} <= names
    assert not any(name.startswith("late_logs/ui/") for name in names)


@pytest.mark.parametrize("path", BELOW_UI, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_below_ui_imports_ui(path: Path) -> None:
    """ui/ is the layer above (the dashboard's view models); the CLI, the collector, the digest, the alerts
    and the bundle must work without it, so only ui/ and pages/ import late_logs.ui."""
    reached = sorted(
        name for name in imported_modules(path) if name == "late_logs.ui" or name.startswith("late_logs.ui.")
    )
    assert not reached, f"{path.relative_to(ROOT)} imports {reached}: move what it needs below ui"


def string_constants(tree: ast.AST, skip: ast.AST | None = None) -> list[ast.Constant]:
    skipped = set(map(id, ast.walk(skip))) if skip is not None else set()
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped
    ]


def state_files() -> list[Path]:
    return [
        *sorted((ROOT / "late_logs" / "collector").glob("*.py")),
        ROOT / "late_logs" / "cli.py",
        *sorted((ROOT / "late_logs" / "ui").glob("*.py")),
        *PAGES,
    ]


@pytest.mark.parametrize("path", state_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_collector_state_key_is_spelled_outside_collector_state(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    state_class = next(
        (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "CollectorState"), None
    )
    spelled = sorted(
        f"{node.value} (line {node.lineno})"
        for node in string_constants(tree, skip=state_class)
        if node.value in STATE_KEYS
    )
    assert not spelled, f"{path.name} spells collector-state keys {spelled}: use CollectorState"


def test_collector_state_round_trips_and_a_partial_update_names_only_its_fields() -> None:
    stored = {
        "flavor": "unified",
        "last_error": "boom",
        "last_error_at": "2026-05-01T10:00:00+00:00",
        "total_requests": 7,
        "details_gone": ["a", "b"],
        "last_report": {"new": 3, "errors": ["x"], "from_a_newer_version": True},
    }
    state = CollectorState.from_state(stored)
    assert state.flavor == "unified" and state.total_requests == 7 and state.details_gone == ("a", "b")
    assert state.last_report is not None and state.last_report.new == 3 and state.last_errors == ["x"]
    again = CollectorState.from_state(state.to_state())
    assert again == state
    assert CollectorState.changes(last_error=None, total_passes=2) == {"last_error": None, "total_passes": 2}
    with pytest.raises(TypeError):
        CollectorState.changes(last_eror="misspelt")


@pytest.mark.parametrize(
    "damaged",
    [None, [], "text", {"total_requests": "many", "details_gone": "abc", "last_report": [1], "flavor": 3}],
)
def test_damaged_collector_state_reads_as_defaults_not_a_traceback(damaged: object) -> None:
    state = CollectorState.from_state(damaged)
    assert state.total_requests == 0 and state.details_gone == () and state.last_report is None
    assert state.flavor is None


def test_the_streamlit_internal_is_touched_in_one_module_only() -> None:
    users = [
        path.relative_to(ROOT).as_posix()
        for path in [*ROOT.joinpath("late_logs").rglob("*.py"), *PAGES, ROOT / "dashboard.py"]
        if "uses_pages_directory" in path.read_text(encoding="utf-8")
        or "PagesManager" in path.read_text(encoding="utf-8")
    ]
    assert users == ["late_logs/ui/streamlit_compat.py"]


def test_the_package_root_exports_every_public_name_it_imports() -> None:
    exported = set(late_logs.__all__)
    for name in exported:
        assert hasattr(late_logs, name), f"late_logs.__all__ names {name}, which it does not hold"
    public = {
        name
        for name, value in vars(late_logs).items()
        if not name.startswith("_") and not isinstance(value, type(late_logs)) and name != "annotations"
    }
    assert public - exported == set(), "imported into late_logs but not in __all__"
    assert len(late_logs.__all__) == len(exported), "a name is listed twice in __all__"
    namespace: dict[str, object] = {}
    exec("from late_logs import *", namespace)  # noqa: S102 - what a user's star import gets
    assert set(namespace) - {"__builtins__"} == exported


def test_the_pages_client_is_built_once_per_settings_not_per_rerun() -> None:
    """Was: the Attempt page built (and closed) an HTTP client on every rerun."""
    from late_logs.config import Settings
    from late_logs.ui import data

    demo = Settings()
    first = data.late_client(demo)
    assert data.late_client(Settings()) is first  # equal settings: the same client
    other = data.late_client(Settings(api_key="sk_live_" + "0ther" * 8, base_url="https://zernio.com/api"))
    assert other is not first


def names_read_from(module: str) -> dict[str, str]:
    """Every name the project's code reads from `late_logs.<module>` (`module.X`, `from late_logs.module
    import X`), to the first file that reads it: what the package must go on exporting."""
    parent, _, name = f"late_logs.{module}".rpartition(".")
    read: dict[str, str] = {}
    files = [*ROOT.joinpath("late_logs").rglob("*.py"), *PAGES, *ROOT.joinpath("tests").rglob("*.py")]
    files += [*ROOT.joinpath("bench").glob("*.py"), *ROOT.joinpath("scripts").glob("*.py")]
    inside = ROOT.joinpath("late_logs", *module.split("."))
    for path in files:
        if inside in path.parents or path == inside.with_suffix(".py"):
            continue
        where = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # `module.X` counts only where the file imports the package under that name (not a local `records`).
        imports_it = any(
            isinstance(node, ast.ImportFrom)
            and node.module == parent
            and any(alias.name == name and alias.asname is None for alias in node.names)
            for node in ast.walk(tree)
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == f"late_logs.{module}":
                for alias in node.names:
                    read.setdefault(alias.name, where)
            elif (
                imports_it
                and isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == name
                and not node.attr.startswith("__")
            ):
                read.setdefault(node.attr, where)
    return read


@pytest.mark.parametrize("module", ["analysis", "records", "ui.filters"])
def test_a_split_package_exports_every_name_its_callers_read(module: str) -> None:
    """analysis and records are packages of one-job parts now, ui.filters the face of filter_state and
    filter_widgets; callers read every name from the package (or the face)."""
    package = importlib.import_module(f"late_logs.{module}")
    exported = set(package.__all__)
    assert len(package.__all__) == len(exported), "a name is listed twice in __all__"
    missing = {name: where for name, where in names_read_from(module).items() if name not in exported}
    assert not missing, f"late_logs.{module} does not export what these files read: {missing}"
    for name in exported:
        assert hasattr(package, name), f"late_logs.{module}.__all__ names {name}, which it does not hold"
    namespace: dict[str, object] = {}
    exec(f"from late_logs.{module} import *", namespace)  # noqa: S102 - what a star import gets
    assert set(namespace) - {"__builtins__"} == exported
