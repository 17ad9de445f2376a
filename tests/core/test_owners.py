"""The owner registry: parsing, defaults and the errors a malformed owners.yaml gets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_mlops.core.owners import OwnersError, load_registry, parse_duration, parse_registry

GOOD = {
    "teams": {
        "ml-platform": {
            "display_name": "ML Platform",
            "runbook_url": "https://wiki.example.com/runbook",
            "channels": [
                {"type": "email", "to": ["oncall@example.com"], "conn_id": "smtp_default"},
                {"type": "webhook", "conn_id": "hooks", "timeout": 5},
            ],
            "policy": {"page_on": "warn", "renotify_after": "30m", "warnings": "notify"},
        },
        "analytics": {},
    }
}


def test_a_full_registry_parses_with_defaults_for_missing_parts() -> None:
    registry = parse_registry(GOOD)
    team = registry.get("ml-platform")
    assert team.display_name == "ML Platform" and team.runbook_url == "https://wiki.example.com/runbook"
    assert [c.type for c in team.channels] == ["email", "webhook"]
    assert team.channels[0].target == "oncall@example.com" and team.channels[1].options == {"timeout": 5}
    assert (team.policy.page_on, team.policy.renotify_after, team.policy.warnings) == (
        "warn",
        timedelta(minutes=30),
        "notify",
    )
    defaults = registry.get("analytics")
    assert defaults.display_name == "analytics" and defaults.channels == ()
    assert (defaults.policy.page_on, defaults.policy.renotify_after, defaults.policy.warnings) == (
        "fail",
        timedelta(hours=4),
        "digest",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        (" 4h ", timedelta(hours=4)),
        ("1.5d", timedelta(days=1.5)),
        ("2w", timedelta(weeks=2)),
        (600, timedelta(minutes=10)),
    ],
)
def test_durations(value, expected) -> None:
    assert parse_duration(value) == expected


@pytest.mark.parametrize("value", ["4 hours", "h", "-1h", "", None, True, -5, "4x"])
def test_bad_durations_name_the_value_and_the_format(value) -> None:
    with pytest.raises(OwnersError, match=r"renotify_after=.* is not a duration; write e\.g\. 30m, 4h"):
        parse_duration(value, where="renotify_after")


def _team(**settings):  # type: ignore[no-untyped-def]
    return {"teams": {"ml": settings}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "must have a non-empty 'teams:' mapping"),
        ({"teams": {}}, "must have a non-empty 'teams:' mapping"),
        ({"teams": {"bad team!": {}}}, "team 'bad team!': a team key is 1-100 letters"),
        ({"teams": {"ml": "oncall@example.com"}}, "team 'ml' must be a mapping"),
        (_team(pager="x"), "team 'ml': unknown keys pager"),
        (_team(channels={"type": "email"}), "channels must be a list"),
        (
            _team(channels=[{"type": "sms", "to": ["a@b.c"]}]),
            "type='sms' is not a channel type; use one of email, slack, pagerduty, webhook",
        ),
        (_team(channels=[{"type": "email"}]), "an email channel needs to:"),
        (_team(channels=[{"type": "email", "to": ["not-an-address"]}]), "must be a list of e-mail addresses"),
        (_team(channels=[{"type": "slack"}]), "a slack channel needs conn_id"),
        (_team(channels=[{"type": "webhook", "conn_id": 7}]), "conn_id=7 must be a string"),
        (_team(channels=["email"]), "channel #1 must be a mapping"),
        (_team(policy={"page_on": "always"}), "page_on='always' must be 'fail' or 'warn'"),
        (_team(policy={"warnings": "email"}), "warnings='email' must be 'digest', 'notify' or 'ignore'"),
        (_team(policy={"renotify_after": "soon"}), "renotify_after='soon' is not a duration"),
        (_team(policy={"renotify": "4h"}), "unknown keys renotify; use page_on, renotify_after, warnings"),
    ],
)
def test_malformed_registries_get_errors_that_name_the_team_and_key(data, message) -> None:
    with pytest.raises(OwnersError) as info:
        parse_registry(data, source="owners.yaml")
    assert message in str(info.value) and "owners.yaml" in str(info.value)


def test_unknown_owner_names_the_known_teams_and_what_to_do() -> None:
    with pytest.raises(
        OwnersError, match=r"owner 'payments' is not a team in .* \(teams: analytics, ml-platform\)"
    ):
        parse_registry(GOOD).get("payments")


def test_files_missing_or_not_yaml_are_named(tmp_path) -> None:
    with pytest.raises(OwnersError, match=r"owners.yaml' does not exist; create it"):
        load_registry(tmp_path / "owners.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("teams:\n  ml: [unclosed\n", encoding="utf-8")
    with pytest.raises(OwnersError, match=r"broken.yaml' is not valid YAML: .* at line \d+, column \d+"):
        load_registry(broken)
