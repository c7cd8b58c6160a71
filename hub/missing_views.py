"""What the missing team's answers show of an episode and a strategy meeting.

An interview's content (where the child was, with whom, push and pull factors) is shown only
to a reader entitled to it (``content``): the authority answering for the interview (the area's
missing team, or the placing authority of a child placed from elsewhere), the child's allocated
worker, and whoever records a step. Anyone who may read the episode sees its exploitation
indicators (codes) and that content is held (``content_withheld``); a step's free-text reason
is withheld from the same readers (``reason_withheld``).
"""

from datetime import datetime
from typing import Any

from domain.missing import MissingRecord
from domain.personal import reveal


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _step(step: dict[str, Any], content: bool) -> dict[str, Any]:
    """A step; its free-text reason (not held, declined) and what it learned only with the
    content, so a reader not entitled to the content reads neither (each marked withheld)."""
    said, why = step.get("content"), step["reason"]
    return {"step": step["step"], "at": step["at"].isoformat(), "by": step["by"],
            "independent": step["independent"],
            "reason": reveal(why) if content else None,
            **({"reason_withheld": True} if why is not None and not content else {}),
            "exploitation_indicators": list(step.get("indicators") or []),
            **(({"content": reveal(said)} if content else {"content_withheld": True})
               if said else {})}


def episode_view(record: MissingRecord, episode: dict[str, Any], now: datetime,
                 content: bool = False) -> dict[str, Any]:
    """An episode in full; the interview's content only if ``content``."""
    settled = MissingRecord.interview_settled(episode)
    return {
        "id": str(episode["id"]), "child_id": str(record.child_id),
        "type": episode["type"], "start": _when(episode["start"]),
        "end": _when(episode["end"]), "ended_by": episode["ended_by"],
        "open": episode["end"] is None,
        "hours_missing": round(((episode["end"] or now) - episode["start"])
                               .total_seconds() / 3600, 1),
        "missing_from": episode.get("missing_from"),
        "placing_authority": episode.get("placing_authority"),
        "reports": [str(r) for r in episode["reports"]],
        "reported_by": episode["reported_by"],
        "split_from": str(episode["split_from"]) if episode["split_from"] else None,
        **({"merged_into": str(episode["merged_into"])}
           if episode.get("merged_into") else {}),
        "corrections": [{
            "kind": c["kind"], "at": c["at"].isoformat(), "by": c["by"],
            "reason": reveal(c["reason"]),
            "other": str(c["other"]) if c.get("other") else None,
            "previous": {k: _when(c["previous"].get(k)) for k in ("start", "end",
                                                                 "interview_due")
                         if k in c["previous"]}}
            for c in episode.get("corrections", [])],
        "flags": episode["flags"], "priority": MissingRecord.priority(episode),
        "informed": episode["informed"],
        "interview": {
            "due": _when(episode["interview_due"]),
            "settled_at": _when(settled),
            "overdue": MissingRecord.interview_overdue(episode, now),
            "steps": [_step(s, content) for s in episode["interview"]],
        } if episode["interview_due"] is not None else None,
    }


def meeting_view(record: MissingRecord, meeting: dict[str, Any],
                 now: datetime) -> dict[str, Any]:
    held = meeting["held"]
    return {"id": str(meeting["id"]), "child_id": str(record.child_id),
            "episodes": [str(e) for e in meeting["episodes"]],
            "flagged_at": meeting["flagged_at"].isoformat(),
            "due": meeting["due"].isoformat(),
            "overdue": MissingRecord.strategy_overdue(meeting, now),
            **({"overdue_hours": round((now - meeting["due"]).total_seconds() / 3600, 1)}
               if held is None and now > meeting["due"] else {}),
            "held": {"at": held["at"].isoformat(), "participants": held["participants"],
                     "outcome": held["outcome"], "note": reveal(held["note"]),
                     "absent": held.get("absent"), "by": held["by"]} if held else None}
