from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.errors import InvalidContent
from domain.notifications import (
    DashAssessment,
    DetailsSubmission,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
    validate_submission,
)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
AMY = SubjectSubmission(SubjectRole.CHILD, "Amy", "Hart", date(2016, 4, 2), postcode="ng5 1ab")


def submission(**changes: Any) -> NotificationSubmission:
    base = NotificationSubmission(NotificationType.DOMESTIC_ABUSE_INCIDENT, "NTP-1",
                                  datetime(2026, 11, 20, 22, 15, tzinfo=UTC), (AMY,))
    return replace(base, **changes)


def test_a_valid_submission_comes_back_in_canonical_form() -> None:
    valid = validate_submission(submission(), NOW)
    assert valid.subjects[0].postcode == "NG5 1AB"
    assert valid.occurred_at.tzinfo is UTC


def test_occurred_at_is_normalised_to_utc() -> None:
    local = datetime(2026, 7, 1, 23, 0, tzinfo=timezone(timedelta(hours=1)))
    assert validate_submission(submission(occurred_at=local), NOW).occurred_at == \
        datetime(2026, 7, 1, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source_ref": ""}, "source_ref"),
        ({"source_ref": "has space"}, "source_ref"),
        ({"occurred_at": datetime(2026, 11, 20, 22, 15)}, "occurred_at"),
        ({"occurred_at": NOW + timedelta(hours=1)}, "occurred_at"),
        ({"subjects": ()}, "subjects"),
        ({"type": NotificationType.POLICE_CONCERN,
          "subjects": (SubjectSubmission(SubjectRole.ADULT_VICTIM, "Jo", "Hart"),)}, "subjects"),
        ({"subjects": (replace(AMY, date_of_birth=date(2027, 1, 1)),)},
         "subjects[0].date_of_birth"),
        ({"subjects": (replace(AMY, date_of_birth=None),)}, "subjects[0].date_of_birth"),
        ({"subjects": (replace(AMY, date_of_birth=date(2008, 11, 20)),)},
         "subjects[0].date_of_birth"),
        ({"subjects": (replace(AMY, nhs_number="9434765918"),)}, "subjects[0].nhs_number"),
        ({"subjects": (replace(AMY, upn="A801200005001"),)}, "subjects[0].upn"),
        ({"subjects": (replace(AMY, school_urn="12"),)}, "subjects[0].school_urn"),
        ({"subjects": (replace(AMY, given_name="   "),)}, "subjects[0].given_name"),
        ({"subjects": (AMY, SubjectSubmission(SubjectRole.PERPETRATOR, "Lee", "Kerr",
                                              school_urn="100001"))}, "subjects[1].school_urn"),
        ({"details": DetailsSubmission(dash=DashAssessment(25))}, "details.dash.yes_count"),
        ({"details": DetailsSubmission(dash=DashAssessment(3, (True,) * 3))},
         "details.dash.answers"),
        ({"details": DetailsSubmission(dash=DashAssessment(3, (True,) * 4 + (False,) * 20))},
         "details.dash.yes_count"),
    ],
)
def test_rules_refuse_bad_content_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidContent) as error:
        validate_submission(submission(**changes), NOW)
    assert error.value.field == field


JO = SubjectSubmission(SubjectRole.ADULT_VICTIM, "Jo", "Hart", date(1990, 1, 9))


def test_a_domestic_abuse_incident_may_name_adults_alone() -> None:
    """Adult victims, a pregnant woman alone: the DART's too. Every other notification is
    about a child."""
    valid = validate_submission(submission(subjects=(replace(JO, pregnant=True),)), NOW)
    assert valid.subjects[0].pregnant is True
    assert validate_submission(submission(subjects=(JO,)), NOW).subjects == (JO,)
    for kind in NotificationType:
        if kind is NotificationType.DOMESTIC_ABUSE_INCIDENT:
            continue
        with pytest.raises(InvalidContent, match="at least one subject must be a child"):
            validate_submission(submission(type=kind, subjects=(JO,)), NOW)


def test_an_incident_naming_no_child_and_no_victim_is_refused() -> None:
    """A perpetrator alone: nobody the DART's work (its reads, its audit) is about."""
    lee = SubjectSubmission(SubjectRole.PERPETRATOR, "Lee", "Kerr", date(1988, 3, 3))
    with pytest.raises(InvalidContent, match="a child, an adult victim or a pregnant woman"):
        validate_submission(submission(subjects=(lee,)), NOW)
    assert validate_submission(submission(subjects=(lee, JO)), NOW).subjects == (lee, JO)


def test_a_child_turning_18_the_day_after_the_incident_is_still_a_child() -> None:
    seventeen = replace(AMY, date_of_birth=date(2008, 11, 21))
    validate_submission(submission(subjects=(seventeen,)), NOW)


def test_link_keys_prefer_identifiers_and_need_all_three_demographics() -> None:
    with_ids = replace(AMY, nhs_number="9434765919", upn="B801200005001", postcode="NG5 1AB")
    keys = with_ids.link_keys()
    assert keys[0] == "nhs:9434765919"
    assert keys[1] == "upn:B801200005001"
    assert keys[2] == "demographic:amy|hart|2016-04-02|NG5 1AB"
    assert replace(AMY, postcode=None).link_keys() == []
