"""The owner registry: which team owns a gate, how to reach it, and its alerting policy.

It is a YAML file (``[mlops] owners_file``, default ``$AIRFLOW_HOME/owners.yaml``)::

    teams:
      ml-platform:
        display_name: ML Platform
        runbook_url: https://wiki.example.com/ml-platform/data-quality
        channels:
          - {type: email, to: [ml-oncall@example.com], conn_id: smtp_default}
          - {type: slack, conn_id: slack_ml_alerts}
          - {type: pagerduty, conn_id: pagerduty_ml}
          - {type: webhook, conn_id: ml_alerts_webhook}
        policy:
          page_on: fail          # fail: only blocking failures notify at once; warn: warnings too
          renotify_after: 4h     # a still-open incident reminds once per window
          warnings: digest       # digest | notify | ignore
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from airflow_mlops.exceptions import InputError

__all__ = [
    "CHANNEL_TYPES",
    "Channel",
    "OwnerRegistry",
    "OwnersError",
    "Team",
    "TeamPolicy",
    "load_registry",
    "parse_duration",
    "parse_registry",
]

CHANNEL_TYPES: tuple[str, ...] = ("email", "slack", "pagerduty", "webhook")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=3650)
_TEAM_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class OwnersError(InputError):
    """The owner registry is malformed, or names an unknown team."""


def parse_duration(value: Any, *, where: str = "duration") -> timedelta:
    """``"90s"``, ``"30m"``, ``"4h"``, ``"1d"``, ``"2w"`` (or a number of seconds) as a timedelta, of at
    most :data:`MAX_DURATION` (so that ``now + duration`` is always a time)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        seconds = float(value)
    else:
        match = _DURATION.match(str(value)) if isinstance(value, str) else None
        if not match:
            raise OwnersError(f"{where}={value!r} is not a duration; write e.g. 30m, 4h, 1d or 2w.")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise OwnersError(f"{where}={value!r} is longer than {MAX_DURATION.days} days; give a shorter one.")
    return timedelta(seconds=seconds)


@dataclass(frozen=True, kw_only=True)
class Channel:
    """One way to reach a team. ``conn_id`` names an Airflow connection (SMTP, Slack webhook, PagerDuty,
    HTTP); ``to`` lists e-mail recipients."""

    type: Literal["email", "slack", "pagerduty", "webhook"]
    conn_id: str | None = None
    to: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return ", ".join(self.to) if self.to else (self.conn_id or self.type)


@dataclass(frozen=True, kw_only=True)
class TeamPolicy:
    page_on: Literal["fail", "warn"] = "fail"
    renotify_after: timedelta = timedelta(hours=4)
    warnings: Literal["digest", "notify", "ignore"] = "digest"


@dataclass(frozen=True, kw_only=True)
class Team:
    key: str
    display_name: str
    channels: tuple[Channel, ...] = ()
    runbook_url: str | None = None
    policy: TeamPolicy = field(default_factory=TeamPolicy)


@dataclass(frozen=True, kw_only=True)
class OwnerRegistry:
    teams: Mapping[str, Team]
    source: str = "owner registry"

    def get(self, owner: str) -> Team:
        try:
            return self.teams[owner]
        except KeyError:
            known = ", ".join(sorted(self.teams)[:10]) or "none"
            raise OwnersError(
                f"owner {owner!r} is not a team in {self.source} (teams: {known}); add it there or fix owner=."
            ) from None


def _parse_channel(raw: Any, *, where: str) -> Channel:
    if not isinstance(raw, Mapping):
        raise OwnersError(f"{where} must be a mapping like {{type: email, to: [...]}}; got {raw!r}.")
    kind = raw.get("type")
    if kind not in CHANNEL_TYPES:
        raise OwnersError(
            f"{where}: type={kind!r} is not a channel type; use one of {', '.join(CHANNEL_TYPES)}."
        )
    to = raw.get("to", ())
    if isinstance(to, str):
        to = (to,)
    if not isinstance(to, Sequence) or not all(isinstance(t, str) and "@" in t for t in to):
        raise OwnersError(f"{where}: to={to!r} must be a list of e-mail addresses.")
    if kind == "email" and not to:
        raise OwnersError(f"{where}: an email channel needs to: [address, ...].")
    conn_id = raw.get("conn_id")
    if kind != "email" and not conn_id:
        raise OwnersError(f"{where}: a {kind} channel needs conn_id: <an Airflow connection id>.")
    if conn_id is not None and not isinstance(conn_id, str):
        raise OwnersError(f"{where}: conn_id={conn_id!r} must be a string.")
    options = {k: v for k, v in raw.items() if k not in ("type", "to", "conn_id")}
    return Channel(type=kind, conn_id=conn_id, to=tuple(to), options=options)


def _parse_policy(raw: Any, *, where: str) -> TeamPolicy:
    if raw is None:
        return TeamPolicy()
    if not isinstance(raw, Mapping):
        raise OwnersError(f"{where} must be a mapping; got {raw!r}.")
    unknown = sorted(set(raw) - {"page_on", "renotify_after", "warnings"})
    if unknown:
        raise OwnersError(
            f"{where}: unknown keys {', '.join(unknown)}; use page_on, renotify_after, warnings."
        )
    page_on = raw.get("page_on", "fail")
    if page_on not in ("fail", "warn"):
        raise OwnersError(f"{where}: page_on={page_on!r} must be 'fail' or 'warn'.")
    warnings = raw.get("warnings", "digest")
    if warnings not in ("digest", "notify", "ignore"):
        raise OwnersError(f"{where}: warnings={warnings!r} must be 'digest', 'notify' or 'ignore'.")
    renotify = parse_duration(raw.get("renotify_after", "4h"), where=f"{where}: renotify_after")
    return TeamPolicy(page_on=page_on, renotify_after=renotify, warnings=warnings)


def parse_registry(data: Any, *, source: str = "owner registry") -> OwnerRegistry:
    if not isinstance(data, Mapping) or not isinstance(data.get("teams"), Mapping) or not data["teams"]:
        raise OwnersError(f"{source} must have a non-empty 'teams:' mapping of team key -> settings.")
    teams: dict[str, Team] = {}
    for key, raw in data["teams"].items():
        where = f"{source}: team {key!r}"
        if not isinstance(key, str) or not _TEAM_KEY.match(key):
            raise OwnersError(f"{where}: a team key is 1-100 letters, digits, '_', '.' or '-'.")
        if not isinstance(raw, Mapping):
            raise OwnersError(f"{where} must be a mapping with display_name, channels, policy.")
        unknown = sorted(set(raw) - {"display_name", "channels", "runbook_url", "policy"})
        if unknown:
            raise OwnersError(f"{where}: unknown keys {', '.join(unknown)}.")
        channels = raw.get("channels") or []
        if not isinstance(channels, list):
            raise OwnersError(f"{where}: channels must be a list.")
        teams[key] = Team(
            key=key,
            display_name=str(raw.get("display_name") or key),
            channels=tuple(
                _parse_channel(c, where=f"{where}, channel #{i}") for i, c in enumerate(channels, 1)
            ),
            runbook_url=raw.get("runbook_url"),
            policy=_parse_policy(raw.get("policy"), where=f"{where}, policy"),
        )
    return OwnerRegistry(teams=teams, source=source)


def load_registry(path: str | Path) -> OwnerRegistry:
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OwnersError(
            f"owner registry '{path}' does not exist; create it (see docs/concepts/owners.md) or set "
            "[mlops] owners_file."
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise OwnersError(
            f"owner registry '{path}' is not valid YAML: {getattr(exc, 'problem', exc)}{where}."
        ) from None
    return parse_registry(data, source=f"owner registry '{path}'")
