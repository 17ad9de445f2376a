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

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from airflow_mlops.exceptions import OwnersError
from airflow_mlops.urls import UrlError, check_url

__all__ = [
    "CHANNEL_TYPES",
    "MAX_DURATION",
    "MAX_REGISTRY_BYTES",
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
_ADDRESS = re.compile(r"^[^@\s<>,;:\"'()\[\]\\]+@[^@\s<>,;:\"'()\[\]\\]+$")
_TEAM_KEYS = ("display_name", "channels", "runbook_url", "policy")
_POLICY_KEYS = ("page_on", "renotify_after", "warnings")
#: A registry file larger than this is refused unread: a real one is a few KB.
MAX_REGISTRY_BYTES = 1_000_000


def parse_duration(value: Any, *, where: str = "duration") -> timedelta:
    """``"90s"``, ``"30m"``, ``"4h"``, ``"1d"``, ``"2w"`` (or a number of seconds) as a timedelta, of at
    most :data:`MAX_DURATION` (so that ``now + duration`` is always a time)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        seconds = float(value)
    else:
        match = _DURATION.match(value) if isinstance(value, str) else None
        if not match:
            raise OwnersError(f"{where}={value!r} is not a duration; write e.g. 30m, 4h, 1d or 2w.")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not math.isfinite(seconds):  # nan, 1e400s: not a duration a policy can mean
        raise OwnersError(f"{where}={value!r} is not a duration; write e.g. 30m, 4h, 1d or 2w.")
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


@dataclass(frozen=True)
class _Place:
    """Where a value sits in the registry, for errors: the file, the line, the team/channel/policy."""

    source: str
    label: str = ""
    line: int | None = None

    def inside(self, container: Any, key: Any, label: str) -> _Place:
        """The team, channel or policy at ``container[key]``."""
        return _Place(self.source, label, _line(container, key) or self.line)

    def field(self, container: Any, key: str) -> str:
        """How an error names field ``key`` of ``container``: ``<file>, line 7: team 'ml': runbook_url``."""
        return self._prefix(_line(container, key) or self.line) + key

    def error(self, text: str) -> OwnersError:
        return OwnersError(self._prefix(self.line) + text)

    def _prefix(self, line: int | None) -> str:
        at = f", line {line}" if line else ""
        return f"{self.source}{at}: " + (f"{self.label}: " if self.label else "")


def _line(container: Any, key: Any) -> int | None:
    """The line of ``container[key]`` in the YAML file (None for a registry built in Python)."""
    lines = getattr(container, "lines", None)
    return lines.get(key) if lines else None


def _string(raw: Mapping[str, Any], key: str, place: _Place, *, default: str | None = None) -> str | None:
    """``raw[key]``: a string of 1-200 printable characters, or ``default`` when absent or null."""
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not 1 <= len(value) <= 200 or not value.isprintable():
        raise OwnersError(
            f"{place.field(raw, key)}={value!r} must be a string of 1-200 printable characters."
        )
    return value


def _url(raw: Mapping[str, Any], key: str, place: _Place) -> str | None:
    """``raw[key]``: an http(s) URL (what a browser or mail client may follow), or None when absent."""
    value = raw.get(key)
    try:
        return None if value is None else check_url(value, where=place.field(raw, key))
    except UrlError as exc:
        raise OwnersError(str(exc)) from None


def _address(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and _ADDRESS.match(value) is not None


def _parse_channel(raw: Any, place: _Place) -> Channel:
    if not isinstance(raw, Mapping):
        raise place.error(f"a channel is a mapping like {{type: email, to: [...]}}; got {raw!r}.")
    kind = raw.get("type")
    if kind not in CHANNEL_TYPES:
        raise OwnersError(
            f"{place.field(raw, 'type')}={kind!r} is not a channel type; use one of {', '.join(CHANNEL_TYPES)}."
        )
    to = raw.get("to", ())
    if isinstance(to, str):
        to = (to,)
    if not isinstance(to, Sequence) or not all(_address(t) for t in to):
        raise OwnersError(f"{place.field(raw, 'to')}={to!r} must be a list of e-mail addresses.")
    if kind == "email" and not to:
        raise place.error("an email channel needs to: [address, ...].")
    conn_id = _string(raw, "conn_id", place)
    if kind != "email" and not conn_id:
        raise place.error(f"a {kind} channel needs conn_id: <an Airflow connection id>.")
    options = {k: v for k, v in raw.items() if k not in ("type", "to", "conn_id")}
    for key, value in options.items():
        if key == "from_email" and not _address(value):
            raise OwnersError(f"{place.field(raw, key)}={value!r} must be an e-mail address.")
        if not isinstance(key, str) or not isinstance(value, str | int | float | bool):
            raise OwnersError(f"{place.field(raw, str(key))}={value!r} must be a string, number or boolean.")
    return Channel(type=kind, conn_id=conn_id, to=tuple(to), options=options)


def _parse_policy(raw: Any, place: _Place) -> TeamPolicy:
    if raw is None:
        return TeamPolicy()
    if not isinstance(raw, Mapping):
        raise place.error(f"a policy is a mapping of {', '.join(_POLICY_KEYS)}; got {raw!r}.")
    _no_unknown_keys(raw, _POLICY_KEYS, place)
    page_on = raw.get("page_on", "fail")
    if page_on not in ("fail", "warn"):
        raise OwnersError(f"{place.field(raw, 'page_on')}={page_on!r} must be 'fail' or 'warn'.")
    warnings = raw.get("warnings", "digest")
    if warnings not in ("digest", "notify", "ignore"):
        raise OwnersError(
            f"{place.field(raw, 'warnings')}={warnings!r} must be 'digest', 'notify' or 'ignore'."
        )
    renotify = parse_duration(raw.get("renotify_after", "4h"), where=place.field(raw, "renotify_after"))
    return TeamPolicy(page_on=page_on, renotify_after=renotify, warnings=warnings)


def _no_unknown_keys(raw: Mapping[Any, Any], allowed: Sequence[str], place: _Place) -> None:
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        first = _line(raw, unknown[0])
        names = ", ".join(sorted(map(str, unknown)))
        raise (replace(place, line=first) if first else place).error(
            f"unknown keys {names}; use {', '.join(allowed)}."
        )


def _parse_team(key: Any, raw: Any, place: _Place) -> Team:
    if not isinstance(key, str) or not _TEAM_KEY.match(key):
        raise place.error("a team key is 1-100 letters, digits, '_', '.' or '-'.")
    if not isinstance(raw, Mapping):
        raise place.error(f"a team is a mapping of {', '.join(_TEAM_KEYS)}; got {raw!r}.")
    _no_unknown_keys(raw, _TEAM_KEYS, place)
    channels = raw.get("channels")
    channels = [] if channels is None else channels
    if not isinstance(channels, list):
        raise OwnersError(f"{place.field(raw, 'channels')} must be a list; got {channels!r}.")
    return Team(
        key=key,
        display_name=_string(raw, "display_name", place, default=key) or key,
        channels=tuple(
            _parse_channel(c, place.inside(channels, i, f"{place.label}, channel #{i}"))
            for i, c in enumerate(channels, 1)
        ),
        runbook_url=_url(raw, "runbook_url", place),
        policy=_parse_policy(raw.get("policy"), place.inside(raw, "policy", f"{place.label}, policy")),
    )


def parse_registry(data: Any, *, source: str = "owner registry") -> OwnerRegistry:
    """The registry from parsed YAML (or a plain dict). Every field is type-checked; an error names the
    file, the line (when ``data`` comes from :func:`load_registry`) and the field."""
    place = _Place(source)
    if not isinstance(data, Mapping) or not isinstance(data.get("teams"), Mapping) or not data["teams"]:
        raise place.error("must have a non-empty 'teams:' mapping of team key -> settings.")
    _no_unknown_keys(data, ("teams",), place)
    raw_teams = data["teams"]
    teams = {
        key: _parse_team(key, raw, place.inside(raw_teams, key, f"team {key!r}"))
        for key, raw in raw_teams.items()
    }
    return OwnerRegistry(teams=teams, source=source)


class _Lines(dict[Any, Any]):
    """A YAML mapping that remembers the line of each key."""

    lines: dict[Any, int]


class _ItemLines(list[Any]):
    """A YAML sequence that remembers the line of each item (numbered from 1)."""

    lines: dict[Any, int]


def _read_yaml(text: str, *, source: str) -> Any:
    """The YAML document as plain values whose mappings and lists know their lines.

    Anchors and aliases are refused where they appear: an alias "bomb" (billion laughs) is a few hundred
    bytes that expand to gigabytes once its values are used.
    """
    import yaml

    def refuse(mark: Any, text: str) -> OwnersError:
        return _Place(source, line=mark.line + 1).error(text)

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise refuse(
                    event.start_mark,
                    "YAML anchors and aliases (&name, *name) are not allowed in an owner registry (an alias "
                    "bomb expands to gigabytes); write each value out.",
                )
            return super().compose_node(parent, index)

    def plain(node: Any) -> Any:
        if isinstance(node, yaml.MappingNode):
            mapping = _Lines()
            mapping.lines = {}
            for key_node, value_node in node.value:
                key = plain(key_node)
                if isinstance(key, list | dict):
                    raise refuse(key_node.start_mark, f"a key must be a plain value, not {key!r}.")
                if key in mapping:
                    raise refuse(
                        key_node.start_mark, f"duplicate key {key!r} (first on line {mapping.lines[key]})."
                    )
                mapping[key] = plain(value_node)
                mapping.lines[key] = key_node.start_mark.line + 1
            return mapping
        if isinstance(node, yaml.SequenceNode):
            items = _ItemLines(plain(item) for item in node.value)
            items.lines = {i: item.start_mark.line + 1 for i, item in enumerate(node.value, 1)}
            return items
        return loader.construct_object(node)

    loader = Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else plain(node)
    finally:
        loader.dispose()


def load_registry(path: str | Path) -> OwnerRegistry:
    """Read, check and parse the registry file. Files over 1 MB and YAML anchors/aliases are refused."""
    import yaml

    path = Path(path)
    source = f"owner registry '{path}'"
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_REGISTRY_BYTES + 1)
    except FileNotFoundError:
        raise OwnersError(
            f"{source} does not exist; create it (see docs/concepts/owners.md) or set [mlops] owners_file."
        ) from None
    except OSError as exc:
        raise OwnersError(f"{source} cannot be read: {exc.strerror or exc}.") from None
    if len(raw) > MAX_REGISTRY_BYTES:
        raise OwnersError(
            f"{source} is larger than {MAX_REGISTRY_BYTES:,} bytes; an owner registry is a few KB."
        )
    try:
        data = _read_yaml(raw.decode("utf-8"), source=source)
    except UnicodeDecodeError as exc:
        raise OwnersError(f"{source} is not UTF-8 (byte {exc.start}).") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise OwnersError(f"{source} is not valid YAML: {getattr(exc, 'problem', exc)}{where}.") from None
    except RecursionError:
        raise OwnersError(f"{source} nests its values too deeply to be an owner registry.") from None
    return parse_registry(data, source=source)
