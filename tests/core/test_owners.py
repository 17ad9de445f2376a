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
        ({"teams": {"ml": "oncall@example.com"}}, "team 'ml': a team is a mapping of display_name"),
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
        (_team(channels=["email"]), "channel #1: a channel is a mapping like"),
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


# -- the file as read: anchors and aliases, lines, types ------------------------------------------------

#: A real "billion laughs" document (9 levels of 9 aliases: 9**9 "lol"s, gigabytes once a value is used),
#: in the shape of an owner registry.
BILLION_LAUGHS = (
    'lol0: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"lol{i}: &{chr(97 + i)} [{','.join(['*' + chr(96 + i)] * 9)}]\n" for i in range(1, 9))
    + "teams:\n  ml-platform:\n    display_name: *i\n    runbook_url: *i\n"
)


def test_a_billion_laughs_file_is_refused_at_its_first_anchor(tmp_path) -> None:
    """In a subprocess capped at 1 GB of address space, so that a regression fails (MemoryError) instead of
    taking the machine down: the file must be refused before anything is expanded."""
    import subprocess
    import sys

    path = tmp_path / "owners.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from airflow_mlops.core.owners import OwnersError, load_registry\n"
        "try:\n"
        f"    load_registry({str(path)!r})\n"
        "except OwnersError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    sys.exit('loaded')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == (
        f"owner registry '{path}', line 1: YAML anchors and aliases (&name, *name) are not allowed in an "
        "owner registry (an alias bomb expands to gigabytes); write each value out."
    )


@pytest.mark.parametrize(
    "text",
    [
        "teams:\n  ml: &team {display_name: ML}\n",  # an anchor alone
        "defaults: {display_name: ML}\nteams:\n  ml: {<<: *d}\n",  # an alias (to nothing, even)
    ],
    ids=["anchor", "alias"],
)
def test_any_anchor_or_alias_is_refused_with_its_line(tmp_path, text: str) -> None:
    path = tmp_path / "owners.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        OwnersError, match=r"owners.yaml', line (2|3): YAML anchors and aliases .* not allowed"
    ):
        load_registry(path)


TEMPLATE = """\
teams:
  ml-platform:
    display_name: ML Platform
    runbook_url: https://wiki.example.com/runbook
    channels:
      - {type: email, to: [oncall@example.com], conn_id: smtp_default}
      - type: webhook
        conn_id: hooks
    policy:
      page_on: fail
      renotify_after: 4h
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "runbook_url: https://wiki.example.com/runbook", "runbook_url: [1, 2]", 4,
            r"team 'ml-platform': runbook_url=\[1, 2\] is not allowed: it is list, not a string",
        ),
        (
            "runbook_url: https://wiki.example.com/runbook",
            "runbook_url: \"javascript:fetch('/mlops/api/v1/incidents/2/resolve',{method:'POST'})\"", 4,
            r"team 'ml-platform': runbook_url=.javascript:fetch\(.*. is not allowed: it has scheme javascript:",
        ),
        (
            "display_name: ML Platform", "display_name: [ML, Platform]", 3,
            r"team 'ml-platform': display_name=\['ML', 'Platform'\] must be a string of 1-200",
        ),
        (
            "renotify_after: 4h", "renotify_after: [4h]", 11,
            r"team 'ml-platform', policy: renotify_after=\['4h'\] is not a duration",
        ),
        (
            "renotify_after: 4h", "renotify_after: 99999999999w", 11,
            "team 'ml-platform', policy: renotify_after='99999999999w' is longer than 3650 days",
        ),
        (
            "page_on: fail", "page_on: [fail]", 10,
            r"team 'ml-platform', policy: page_on=\['fail'\] must be 'fail' or 'warn'",
        ),
        (
            "to: [oncall@example.com]", 'to: ["oncall@example.com\\r\\nBcc: all@example.com"]', 6,
            "team 'ml-platform', channel #1: to=.* must be a list of e-mail addresses",
        ),
        (
            "conn_id: hooks", "conn_id: {name: hooks}", 8,
            "team 'ml-platform', channel #2: conn_id=.* must be a string of 1-200",
        ),
        (
            "conn_id: hooks", "conn_id: hooks\n        timeout: [5]", 9,
            r"team 'ml-platform', channel #2: timeout=\[5\] must be a string, number or boolean",
        ),
        (
            "conn_id: smtp_default}", "conn_id: smtp_default, from_email: 7}", 6,
            "team 'ml-platform', channel #1: from_email=7 must be an e-mail address",
        ),
        (
            "      - type: webhook\n        conn_id: hooks", "      - type: fax", 7,
            "team 'ml-platform', channel #2: type='fax' is not a channel type",
        ),
        (
            "channels:\n      - {type: email, to: [oncall@example.com], conn_id: smtp_default}\n      - type: webhook\n"
            "        conn_id: hooks\n", "channels: {type: email}\n", 5, "team 'ml-platform': channels must be a list",
        ),
        ("    policy:\n", "    pager: 1\n    policy:\n", 9, "team 'ml-platform': unknown keys pager"),
        ("teams:\n", "version: 2\nteams:\n", 1, "unknown keys version; use teams"),
        (
            "page_on: fail", "page_on: fail\n      page_on: warn", 11,
            "duplicate key 'page_on' \\(first on line 10\\)",
        ),
    ],
    ids=["runbook-list", "runbook-javascript", "display-name-list", "duration-list", "duration-overflow",
         "page-on-list", "header-injection", "conn-id-mapping", "option-list", "from-email-number",
         "channel-type", "channels-mapping", "team-unknown-key", "top-unknown-key", "duplicate-key"],
)  # fmt: skip
def test_a_bad_field_fails_naming_the_file_the_line_and_the_field(tmp_path, old, new, line, message) -> None:
    assert old in TEMPLATE
    path = tmp_path / "owners.yaml"
    path.write_text(TEMPLATE.replace(old, new), encoding="utf-8")
    with pytest.raises(OwnersError) as raised:
        load_registry(path)
    import re

    assert re.match(rf"owner registry '{re.escape(str(path))}', line {line}: {message}", str(raised.value)), (
        str(raised.value)
    )


def test_the_template_itself_loads(tmp_path) -> None:
    path = tmp_path / "owners.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    team = load_registry(path).get("ml-platform")
    assert team.runbook_url == "https://wiki.example.com/runbook" and len(team.channels) == 2


def test_files_too_large_deep_or_not_utf8_are_refused_unread(tmp_path) -> None:
    from airflow_mlops.core.owners import MAX_REGISTRY_BYTES

    large = tmp_path / "large.yaml"
    large.write_text("teams:\n  ml: {}\n" + "#" * MAX_REGISTRY_BYTES, encoding="utf-8")
    with pytest.raises(OwnersError, match=r"large.yaml' is larger than 1,000,000 bytes"):
        load_registry(large)
    deep = tmp_path / "deep.yaml"
    deep.write_text("teams: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(OwnersError, match=r"deep.yaml' nests its values too deeply"):
        load_registry(deep)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("teams:\n  ml: {display_name: Équipe}\n".encode("latin-1"))
    with pytest.raises(OwnersError, match=r"latin.yaml' is not UTF-8"):
        load_registry(latin)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e300, "99999999999w"])
def test_durations_out_of_range_are_not_durations(value) -> None:
    with pytest.raises(OwnersError, match=r"is not a duration|is longer than 3650 days"):
        parse_duration(value, where="duration")
