"""Disclosures as HL7 FHIR R4 AuditEvent resources, in the IHE BALP PrivacyDisclosure shape.

Each disclosure of a record to another agency becomes one "Privacy Disclosure at Source"
event: type DICOM 110106 Export, subtype ISO 21089 disclose, the hub as source, the owning
agency as custodian, the reader's agency and person as recipient, the child as the patient
entity, the record as a data entity, and the purpose of use. Only identifiers, never names.
"""

from typing import Any

DCM = "http://dicom.nema.org/resources/ontology/DCM"
LIFECYCLE = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
BALP_SOURCE = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source"
HUB_SYSTEM = "urn:safeguarding-hub"


def _ref(kind: str, value: str) -> dict[str, Any]:
    return {"identifier": {"system": f"{HUB_SYSTEM}:{kind}", "value": value}}


def privacy_disclosure(row: dict[str, Any], origin: str) -> dict[str, Any]:
    """One AuditEvent for one disclosed record (a row of ``history.disclosures``)."""
    reader = row["reader"]
    return {
        "resourceType": "AuditEvent",
        "id": f"disclosure-{row['audit_index']}-{row['record'][:8]}",
        "meta": {"profile": [BALP_SOURCE]},
        "type": {"system": DCM, "code": "110106", "display": "Export"},
        "subtype": [{"system": LIFECYCLE, "code": "disclose",
                     "display": "Disclose Record Lifecycle Event"}],
        "action": "R",
        "recorded": row["at"],
        "outcome": "0",
        "purposeOfEvent": [{"coding": [{"system": f"{HUB_SYSTEM}:purpose",
                                        "code": row["purpose"] or "unspecified"}],
                            "text": ", ".join(row["grounds"])}],
        "agent": [
            {"type": {"coding": [{"system": DCM, "code": "110153",
                                  "display": "Source Role ID"}]},
             "who": _ref("system", origin), "requestor": False},
            {"type": {"coding": [{"system": PARTICIPANT, "code": "custodian",
                                  "display": "Custodian"}]},
             "who": _ref("agency", row["owner"]), "requestor": False},
            {"type": {"coding": [{"system": DCM, "code": "110152",
                                  "display": "Destination Role ID"}]},
             "who": _ref("agency", reader["agency"]), "requestor": False},
            {"type": {"coding": [{"system": f"{HUB_SYSTEM}:role", "code": reader["role"]}]},
             "who": _ref("user", reader["user_id"]), "requestor": True},
        ],
        "source": {"site": origin, "observer": _ref("system", origin),
                   "type": [{"system": "http://terminology.hl7.org/CodeSystem/"
                             "security-source-type", "code": "4",
                             "display": "Application Server"}]},
        "entity": [
            {"what": _ref("child", row["child_id"]),
             "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
             "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"}},
            {"what": _ref(row["record_type"], row["record"]),
             "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
             "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
             "description": f"{row['visibility']}: {', '.join(row['data_classes'])}",
             "detail": [{"type": "audit-index", "valueString": str(row["audit_index"])},
                        {"type": "bases", "valueString": ", ".join(row["bases"])}]},
        ],
    }
