"""WarningDigestOperator: send each team one digest of its pending warnings (schedule it, e.g. daily)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = ["WarningDigestOperator"]


class WarningDigestOperator(BaseOperator):
    """Send the warning digests. Gates never page for warnings; they queue them here.

    :param team: only this team's digest (default: every team with pending warnings).
    """

    template_fields = ("team",)

    def __init__(self, *, team: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.team = team

    def execute(self, context: Context) -> dict[str, int]:
        from airflow_mlops.config import get_store
        from airflow_mlops.exceptions import MlopsError
        from airflow_mlops.notifications.digest import send_digests

        try:
            sent = send_digests(get_store(), owner=self.team)
        except MlopsError as exc:
            raise AirflowException(f"{self.task_id}: {exc}") from None
        for team, count in sent.items():
            self.log.info("digest sent to %s: %d warning incident(s)", team, count)
        return sent
