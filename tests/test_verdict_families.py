"""The verdict table's families: each platform's rows live in one family module, so assembling the families
in any order changes no verdict (the first match wins only among one platform's rows)."""

from __future__ import annotations

from pathlib import Path

from late_logs.verdicts import table


def platforms_of(family: object) -> set[str]:
    rows = [*family.CODE_ROWS, *family.EXTRA_ROWS, *family.MESSAGE_ROWS]  # type: ignore[attr-defined]
    return {row.platform for row in rows}


def test_no_platform_has_rows_in_two_families() -> None:
    seen: dict[str, str] = {}
    for family in table.FAMILIES:
        for platform in platforms_of(family):
            assert platform not in seen, f"{platform} has rows in {seen.get(platform)} and {family.__name__}"
            seen[platform] = family.__name__
    assert seen["*"] == "late_logs.verdicts.late" and seen["instagram"] == "late_logs.verdicts.meta"


def test_every_module_holding_rows_is_assembled_into_the_table() -> None:
    folder = Path(table.__file__).parent
    holding = {
        f"late_logs.verdicts.{path.stem}"
        for path in folder.glob("*.py")
        if "\nCODE_ROWS: tuple[Row, ...] = (" in path.read_text(encoding="utf-8")
    }
    assert holding == {family.__name__ for family in table.FAMILIES}
