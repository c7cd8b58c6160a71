"""Merge and split: two records of one child made one, and a wrong merge undone
(domain/merging.py)."""

from pydantic import Field

from hub.api.models.base import Actor, Out, Text


class SplitOut(Out):
    returned: list[str] = Field(description="the notifications that went back to the person "
                                "split off")
    kept: list[str] = Field(description="the notifications the merge moved that stay with "
                            "the survivor, as its own")
    by: Actor
    at: str
    reason: Text


class MergeOut(Out):
    id: str
    survivor_id: str = Field(description="the record that stays")
    merged_id: str = Field(description="the record merged into it (reads of it are reads of "
                           "the survivor's until a split)")
    notifications: list[str] = Field(description="the notifications the merge moved")
    merged_by: Actor
    merged_at: str
    reason: Text
    split: SplitOut | None = Field(description="the split that undid the merge, if any")


class CorrectionOut(Out):
    """A merge or split of the child's record, as the chronology shows it (no reason)."""

    kind: str = Field(description="`merge` (another record merged into this one), "
                      "`merged-into` (this record merged into another), `split` (a record "
                      "split off this one), `split-from` (this record split off another)")
    merge_id: str
    other_id: str = Field(description="the other child's record")
    at: str
    by: Actor
    notifications: int = Field(description="how many notifications moved")
