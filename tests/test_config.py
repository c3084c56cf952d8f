"""Settings from the environment and `.streamlit/secrets.toml`: what wins, the demo folder apart from the
live one, every bad value told in one sentence that names the setting, and the key never in the repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from late_logs.config import (
    DEFAULT_BASE_URL,
    DEFAULT_POLL_SECONDS,
    DEFAULT_RATE_SHARE,
    DEFAULT_RETENTION_DAYS,
    ConfigError,
    Settings,
    load_settings,
    read_secrets_file,
)

KEY = "sk_live_" + "c0nf1g" * 8


def test_no_key_means_demo_mode_in_its_own_folder_apart_from_live_data(tmp_path: Path) -> None:
    demo = load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path)}, {})
    live = load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_API_KEY": KEY}, {})
    assert demo.demo and not demo.key_is_set
    assert live.key_is_set and not live.demo
    assert demo.cache_dir == tmp_path / "demo"
    assert live.cache_dir == tmp_path
    assert demo.cache_dir != live.cache_dir


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    settings = load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path)}, {})
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.poll_seconds == DEFAULT_POLL_SECONDS
    assert settings.retention_days == DEFAULT_RETENTION_DAYS
    assert settings.rate_share == DEFAULT_RATE_SHARE
    assert settings.flavor == "auto"


def test_environment_wins_over_secrets_toml_and_an_empty_variable_falls_back(tmp_path: Path) -> None:
    secrets = {"LATE_LOGS_POLL_SECONDS": "60", "LATE_API_BASE_URL": "https://from.secrets/api"}
    env = {"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_LOGS_POLL_SECONDS": "30", "LATE_API_BASE_URL": ""}
    settings = load_settings(env, secrets)
    assert settings.poll_seconds == 30
    assert settings.base_url == "https://from.secrets/api"


def test_base_url_loses_its_trailing_slash(tmp_path: Path) -> None:
    env = {"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_API_BASE_URL": "https://getlate.dev/api/"}
    assert load_settings(env, {}).base_url == "https://getlate.dev/api"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("LATE_LOGS_POLL_SECONDS", "soon", "LATE_LOGS_POLL_SECONDS must be a whole number"),
        ("LATE_LOGS_POLL_SECONDS", "-1", "LATE_LOGS_POLL_SECONDS must be at least 0"),
        ("LATE_LOGS_RETENTION_DAYS", "0", "LATE_LOGS_RETENTION_DAYS must be at least 1"),
        ("LATE_LOGS_MAX_WAIT_SECONDS", "1.5", "LATE_LOGS_MAX_WAIT_SECONDS must be a whole number"),
        ("LATE_LOGS_RATE_SHARE", "2", "LATE_LOGS_RATE_SHARE must be above 0 and at most 1"),
        ("LATE_LOGS_RATE_SHARE", "half", "LATE_LOGS_RATE_SHARE must be a number"),
        ("LATE_API_FLAVOR", "v2", "LATE_API_FLAVOR must be one of auto, late-1.0, unified"),
        ("LATE_LOGS_DEMO_FLAVOR", "auto", "LATE_LOGS_DEMO_FLAVOR must be one of late-1.0, unified"),
    ],
)
def test_a_bad_setting_is_one_sentence_naming_it(tmp_path: Path, name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path), name: value}, {})
    assert str(caught.value).startswith(says)
    assert "\n" not in str(caught.value)


def test_flavor_is_read_case_insensitively(tmp_path: Path) -> None:
    settings = load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_API_FLAVOR": " Unified "}, {})
    assert settings.flavor == "unified"


def test_repr_and_str_never_show_the_key(tmp_path: Path) -> None:
    settings = load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_API_KEY": KEY}, {})
    for text in (repr(settings), str(settings), f"{settings}"):
        assert KEY not in text
        assert "key_set=True" in text


def test_with_overrides_applies_given_flags_only() -> None:
    base = Settings(poll_seconds=300, retention_days=30)
    changed = base.with_overrides(poll_seconds=10, retention_days=None)
    assert (changed.poll_seconds, changed.retention_days) == (10, 30)
    assert base.poll_seconds == 300  # frozen: the original is unchanged


def test_secrets_file_absent_reads_as_nothing_and_broken_toml_is_one_sentence(tmp_path: Path) -> None:
    assert read_secrets_file(tmp_path / "missing.toml") == {}
    broken = tmp_path / "secrets.toml"
    broken.write_text('LATE_API_KEY = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        read_secrets_file(broken)
    good = tmp_path / "good.toml"
    good.write_text('LATE_LOGS_POLL_SECONDS = "45"\n', encoding="utf-8")
    assert load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path)}, read_secrets_file(good)).poll_seconds == 45


def test_alert_rules_and_thresholds_default_to_every_rule_and_the_documented_numbers() -> None:
    from late_logs import config

    settings = load_settings({}, {})
    assert settings.alert_rules == config.ALERT_RULES
    assert "cell_worse" in settings.alert_rules
    assert (settings.alert_min_failures, settings.alert_cell_excess, settings.alert_cell_ratio) == (
        config.DEFAULT_ALERT_MIN_FAILURES,
        config.DEFAULT_ALERT_CELL_EXCESS,
        config.DEFAULT_ALERT_CELL_RATIO,
    )
    assert settings.alert_stuck_minutes == config.DEFAULT_ALERT_STUCK_MINUTES == 30
    assert (settings.alert_window_hours, settings.alert_max_per_pass) == (24, 50)


def test_alert_rules_pick_some_in_any_case_and_order_or_none() -> None:
    picked = load_settings({"LATE_LOGS_ALERT_RULES": " Cell_Worse , new_group,"}, {})
    assert picked.alert_rules == ("new_group", "cell_worse")  # the rules' own order
    assert load_settings({"LATE_LOGS_ALERT_RULES": "none"}, {}).alert_rules == ()
    from_secrets = load_settings({}, {"LATE_LOGS_ALERT_RULES": "token_dead"})
    assert from_secrets.alert_rules == ("token_dead",)


def test_alert_thresholds_come_from_the_environment() -> None:
    settings = load_settings(
        {
            "LATE_LOGS_ALERT_MIN_FAILURES": "3",
            "LATE_LOGS_ALERT_CELL_EXCESS": "25.5",
            "LATE_LOGS_ALERT_CELL_RATIO": "1.5",
            "LATE_LOGS_ALERT_STUCK_MINUTES": "90",
            "LATE_LOGS_ALERT_WINDOW_HOURS": " 48 ",
            "LATE_LOGS_ALERT_MAX_PER_PASS": "5",
        },
        {},
    )
    assert settings.alert_stuck_minutes == 90
    assert (settings.alert_window_hours, settings.alert_max_per_pass) == (48, 5)
    assert (settings.alert_min_failures, settings.alert_cell_excess, settings.alert_cell_ratio) == (
        3,
        25.5,
        1.5,
    )


@pytest.mark.parametrize(
    "name, value, sentence",
    [
        (
            "LATE_LOGS_ALERT_RULES",
            "new_group,cel_worse",
            "LATE_LOGS_ALERT_RULES names 'cel_worse', not a rule",
        ),
        ("LATE_LOGS_ALERT_RULES", ",", "LATE_LOGS_ALERT_RULES names ',', not a rule"),
        ("LATE_LOGS_ALERT_RULES", "none,new_group", "LATE_LOGS_ALERT_RULES names 'none', not a rule"),
        ("LATE_LOGS_ALERT_MIN_FAILURES", "0", "LATE_LOGS_ALERT_MIN_FAILURES must be at least 1"),
        ("LATE_LOGS_ALERT_MIN_FAILURES", "a few", "LATE_LOGS_ALERT_MIN_FAILURES must be a whole number"),
        ("LATE_LOGS_ALERT_CELL_EXCESS", "lots", "LATE_LOGS_ALERT_CELL_EXCESS must be a number (excess"),
        ("LATE_LOGS_ALERT_CELL_EXCESS", "0.5", "LATE_LOGS_ALERT_CELL_EXCESS must be a number of at least 1"),
        ("LATE_LOGS_ALERT_CELL_RATIO", "nan", "LATE_LOGS_ALERT_CELL_RATIO must be a number of at least 1"),
        ("LATE_LOGS_ALERT_STUCK_MINUTES", "0", "LATE_LOGS_ALERT_STUCK_MINUTES must be at least 1"),
        ("LATE_LOGS_ALERT_CELL_RATIO", "inf", "LATE_LOGS_ALERT_CELL_RATIO must be a number of at least 1"),
        ("LATE_LOGS_ALERT_WINDOW_HOURS", "0", "LATE_LOGS_ALERT_WINDOW_HOURS must be at least 1"),
        ("LATE_LOGS_ALERT_WINDOW_HOURS", "1.5", "LATE_LOGS_ALERT_WINDOW_HOURS must be a whole number"),
        ("LATE_LOGS_ALERT_WINDOW_HOURS", "169", "LATE_LOGS_ALERT_WINDOW_HOURS must be at most 168, got 169"),
        ("LATE_LOGS_ALERT_MAX_PER_PASS", "0", "LATE_LOGS_ALERT_MAX_PER_PASS must be at least 1"),
        ("LATE_LOGS_ALERT_MAX_PER_PASS", "all", "LATE_LOGS_ALERT_MAX_PER_PASS must be a whole number"),
    ],
)
def test_a_bad_alert_setting_is_one_sentence_naming_it(name: str, value: str, sentence: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value}, {})
    assert str(caught.value).startswith(sentence)
    assert str(caught.value).endswith(".")


def test_the_cli_ends_a_bad_alert_setting_in_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    import io

    from late_logs import cli

    out, err = io.StringIO(), io.StringIO()
    env = {"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_LOGS_ALERT_RULES": "everything"}
    assert cli.main(["digest"], env=env, stdout=out, stderr=err) != cli.EXIT_OK
    assert "LATE_LOGS_ALERT_RULES names 'everything', not a rule" in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()


@pytest.mark.parametrize(
    "url",
    [
        "hooks.example.com/services/T0/B0/SECRETPATH",  # no scheme
        "http://hooks.example.com:abc/services/SECRETPATH",  # a mistyped port
        "ftp://hooks.example.com/services/SECRETPATH",
        "https:///services/SECRETPATH",  # no host
        "https://hooks.example.com/services/SECRET PATH",
    ],
)
def test_a_bad_alert_webhook_is_told_at_load_in_a_sentence_that_never_repeats_the_url(url: str) -> None:
    """Found in review: such a URL loaded fine and failed later, on every pass (`alert --test` ended in
    "Unexpected error (InvalidURL...) ... Please report it")."""
    with pytest.raises(ConfigError) as caught:
        load_settings({"LATE_LOGS_ALERT_WEBHOOK": url}, {})
    sentence = str(caught.value)
    assert sentence.startswith("LATE_LOGS_ALERT_WEBHOOK is not a usable webhook URL")
    assert "SECRET" not in sentence and "hooks.example.com" not in sentence


def test_a_good_alert_webhook_is_kept_and_a_blank_one_means_no_alerts() -> None:
    url = "https://hooks.example.com/services/T0/B0/xyz"
    assert load_settings({"LATE_LOGS_ALERT_WEBHOOK": f"  {url} "}, {}).alert_webhook == url
    assert load_settings({"LATE_LOGS_ALERT_WEBHOOK": "http://127.0.0.1:9999/hook"}, {}).alert_webhook
    assert load_settings({"LATE_LOGS_ALERT_WEBHOOK": "   "}, {}).alert_webhook is None
