"""The ``hub`` command's arguments: every command group, its options and their help."""

import argparse
from pathlib import Path

from domain.agencies import StaffChangeReason
from domain.caseload import CaseloadKind
from domain.people import ErasureReason, HoldReason
from hub.cli.common import (
    Parser,
    day,
    instant,
    port,
    positive_days,
    uuid,
    version,
    workers,
)


def parser() -> argparse.ArgumentParser:
    """Every command, its options and their help."""
    parser = Parser(prog="hub", description="The safeguarding information-sharing hub.")
    parser.add_argument("--version", action="version", version=f"hub {version()}",
                        help="print the hub's version and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=port, default=8000,
                       help="the port to listen on (default 8000)")
    serve.add_argument("--workers", type=workers, default=1,
                       help="worker processes (default 1; more need PostgreSQL or SQLite WAL)")

    ingest = commands.add_parser("ingest", help="consume agencies' Kafka topics into the store")
    ingest.add_argument("--source", action="append", required=True, metavar="TOPIC=AGENCY_ID",
                        help="an inbound topic and the agency whose producers write it")
    metrics_help = ("serve Prometheus metrics on 127.0.0.1:PORT, to a scraper with the "
                    "metrics token (HUB_METRICS_TOKEN)")
    ingest.add_argument("--metrics-port", type=int, help=metrics_help)
    relay = commands.add_parser("relay", help="publish the hub's outbound events to Kafka")
    relay.add_argument("--metrics-port", type=int, help=metrics_help)

    agencies = commands.add_parser("agencies", help="register agencies")
    agencies_cmd = agencies.add_subparsers(dest="action", required=True, parser_class=Parser)
    add_agency = agencies_cmd.add_parser("add", help="register an agency")
    add_agency.add_argument("--id", required=True, dest="agency_id",
                            help="the agency's id: 2-63 lower-case letters, digits, hyphens")
    add_agency.add_argument("--kind", required=True, help="police, health, school, dart, "
                            "mash, missing, auditor or admin")
    add_agency.add_argument("--name", required=True, help="the agency's name")
    add_agency.add_argument("--urn", help="a school's 6-digit URN (schools only)")

    users = commands.add_parser("users", help="register, list and disable people; tokens")
    users_cmd = users.add_subparsers(dest="action", required=True, parser_class=Parser)
    add_user = users_cmd.add_parser("add", help="register a person; prints their token last")
    add_user.add_argument("--agency", required=True, help="the agency's id")
    add_user.add_argument("--role", required=True,
                          help="a role the agency's kind may hold (policies/membership)")
    add_user.add_argument("--name", required=True,
                          help="the person's name (sealed in the store)")
    list_users = users_cmd.add_parser("list", help="everyone registered (never a token)")
    list_users.add_argument("--agency", help="only this agency's people")
    list_users.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    staff_reasons = [r.value for r in StaffChangeReason]
    disable = users_cmd.add_parser("disable", help="withdraw a person's access at once")
    who = disable.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", type=uuid, help="the person's user id")
    who.add_argument("--demo", action="store_true", help="every active demo user")
    disable.add_argument("--reason-code", choices=staff_reasons,
                         help="why (required with --user; 'other' by default with --demo)")
    rotate = users_cmd.add_parser("rotate", help="a new token, printed last; the old one "
                                                 "stops working at once")
    rotate.add_argument("--user", type=uuid, required=True, help="the person's user id")
    rotate.add_argument("--reason-code", choices=staff_reasons, default="other",
                        help="why (default other)")
    link = users_cmd.add_parser("link-oidc", help="the person signs in to the web app as this "
                                "identity at the OpenID Connect provider (HUB_OIDC_ISSUER)")
    link.add_argument("--user", type=uuid, required=True, help="the person's user id")
    link.add_argument("--subject", required=True,
                      help="their subject identifier at the provider (the ID token's sub)")
    link.add_argument("--reason-code", choices=staff_reasons, default="other",
                      help="why (default other)")

    commands.add_parser("demo", help="seed demo agencies, users and data; print tokens")

    retention = commands.add_parser("retention", help="the retention schedule and legal holds")
    retention_cmd = retention.add_subparsers(dest="action", required=True, parser_class=Parser)
    run_retention = retention_cmd.add_parser("run", help="erase what is due (not held)")
    run_retention.add_argument("--dry-run", action="store_true", help="report, erase nothing")
    for name, text in (("hold", "place a legal hold"), ("release", "release a legal hold")):
        held = retention_cmd.add_parser(name, help=text)
        held.add_argument("--child", required=True, type=uuid, help="the child's id")
        held.add_argument("--reason-code", required=True, choices=[r.value for r in HoldReason],
                          help="why")
        held.add_argument("--reason", help="free text, sealed under the child's key (required "
                                           "with 'other')")

    sar = commands.add_parser("sar", help="subject access: assemble a pack, or record a "
                                          "redaction with its exemption and reason")
    sar.add_argument("--child", required=True, type=uuid, help="the child's id")
    sar.add_argument("--out", metavar="DIR", help="write the pack here")
    sar.add_argument("--requested-by", default="parent", help="who asked (default parent)",
                     choices=["child", "parent",
                                                                  "representative"])
    sar.add_argument("--redact", metavar="RECORD:PATH:EXEMPTION",
                     help="record a redaction instead (e.g. ID:details.summary:serious-harm)")
    sar.add_argument("--reason", help="why (required with --redact)")

    erase = commands.add_parser("erase", help="crypto-shred a child's personal data")
    erase.add_argument("--child", required=True, type=uuid, help="the child's id")
    erase.add_argument("--reason-code", required=True, choices=[r.value for r in ErasureReason],
                       help="the lawful ground")
    erase.add_argument("--reason", help="free text, up to 500 characters, sealed under the "
                                        "child's key and destroyed with it (required with "
                                        "'other')")

    audit = commands.add_parser("audit", help="the audit trail, for auditors")
    audit_cmd = audit.add_subparsers(dest="action", required=True, parser_class=Parser)
    could_see = audit_cmd.add_parser(
        "could-see", help="who was entitled to see what about a child at an instant")
    could_see.add_argument("--child", required=True, type=uuid, help="the child's id")
    could_see.add_argument("--at", required=True, type=instant,
                           help="the instant, ISO 8601 with a time zone")
    could_see.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    audit_cmd.add_parser("replay", help="re-decide every audited read; exit 1 on a mismatch")
    verify = audit_cmd.add_parser(
        "verify", help="verify the audit trail (live store, or an exported bundle)")
    verify.add_argument("--export", metavar="DIR", help="an exported bundle to verify offline")
    verify.add_argument("--public-key", metavar="KEY",
                        help="the trusted verifier key (or a file holding it); required with "
                             "--export; default on the hub's host: the public key it keeps in "
                             "HUB_HOME/audit/verifier-key (never a private key)")
    verify.add_argument("--trusted-checkpoint", metavar="FILE",
                        help="a signed checkpoint you kept earlier: exit 1 if the trail is "
                             "behind it or does not extend it")
    export = audit_cmd.add_parser("export", help="write entries, checkpoints and the key, "
                                                 "as the store holds them, with the result "
                                                 "of verifying them (reads only)")
    export.add_argument("--out", required=True, metavar="DIR",
                        help="a new or empty folder for the bundle")
    who_saw = audit_cmd.add_parser("who-saw", help="every disclosure about a child")
    who_saw.add_argument("--child", type=uuid, help="only disclosures about this child")
    who_saw.add_argument("--agency", help="only disclosures of this agency's records")
    who_saw.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    audit_cmd.add_parser("checkpoint", help="sign a checkpoint of the trail now (and submit "
                                            "it to the witnesses)")

    witness = commands.add_parser(
        "witness", help="a witness of another party's audit trail (c2sp.org/tlog-witness), "
                        "with its own key and state in its own HUB_HOME")
    witness_cmd = witness.add_subparsers(dest="action", required=True, parser_class=Parser)
    witness_serve = witness_cmd.add_parser("serve", help="answer POST /add-checkpoint")
    witness_serve.add_argument("--host", default="127.0.0.1",
                               help="the address to listen on (default 127.0.0.1)")
    witness_serve.add_argument("--port", type=port, default=7380,
                               help="the port to listen on (default 7380)")
    witness_serve.add_argument("--log", action="append", metavar="VKEY",
                               help="the verifier key of a log to witness (repeat for more; "
                                    "default HUB_WITNESS_LOGS)")
    witness_serve.add_argument("--new-state", action="store_true",
                               help="start again with an empty state although the witness's "
                                    "key exists (its state was lost: tell the hub's operator; "
                                    "refused while a state exists)")
    witness_cmd.add_parser("key", help="print the witness's verifier key (made on first use)")

    policy = commands.add_parser("policy", help="the access policy in force, as versions")
    policy_cmd = policy.add_subparsers(dest="action", required=True, parser_class=Parser)
    publish = policy_cmd.add_parser("publish", help="publish a new access policy version")
    publish.add_argument("--model", required=True, help="Casbin model file")
    publish.add_argument("--policy", required=True, help="Casbin policy file")
    publish.add_argument("--author", required=True, help="who publishes it (kept)")
    publish.add_argument("--reason", required=True, help="why it changes (kept)")
    policy_cmd.add_parser("history", help="every version, when, by whom and why")

    simulate = commands.add_parser(
        "simulate", help="play a synthetic area's workload through the hub (a fresh store)")
    simulate.add_argument("--profile", default="nottingham",
                          help="a packaged profile name, or a profile file (TOML)")
    simulate.add_argument("--days", type=positive_days, required=True,
                          help="simulated days to play")
    simulate.add_argument("--scale", type=float, default=1.0,
                          help="a smaller area like the profile's: its children and yearly "
                          "counts times this (0.25: a quarter), rates and shares unchanged "
                          "(default 1)")
    simulate.add_argument("--seed", type=int, default=1,
                          help="the random seed (same seed, same area; default 1)")
    simulate.add_argument("--via", choices=("app", "http", "kafka"), default="app",
                          help="how notifications arrive: the application's intake, the HTTP "
                          "API, or Kafka and hub ingest (HUB_KAFKA_BOOTSTRAP)")

    report = commands.add_parser(
        "report", help="safeguarding indicators from the event store: text, JSON, charts")
    report.add_argument("--from", dest="first", type=day, help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="last", type=day, help="last day (YYYY-MM-DD)")
    report.add_argument("--out", type=Path, help="write JSON, text, PNG charts, index.html")
    report.add_argument("--children", type=int, help="children in the area "
                        "(default HUB_CHILD_POPULATION)")
    report.add_argument("--rebuild", action="store_true",
                        help="rebuild the projection from the first event, and time it")

    caseload = commands.add_parser(
        "import", help="load a local authority's open caseload at go-live from a CSV file "
                       "(docs/interface.md lists each kind's columns)")
    caseload.add_argument("--kind", required=True, choices=[k.value for k in CaseloadKind],
                          help="what the file holds")
    caseload.add_argument("--file", required=True, metavar="CSV",
                          help="the CSV file (UTF-8, a header line first)")
    caseload.add_argument("--agency", required=True,
                          help="the local authority's children's social care agency (kind "
                               "mash), whose caseload it is")
    caseload.add_argument("--skip-bad-rows", action="store_true",
                          help="store the good rows of a file with bad ones (exit 1); "
                               "without it a file with a bad row stores nothing (exit 2)")

    keys = commands.add_parser("keys", help="manage the keys in HUB_HOME")
    keys_cmd = keys.add_subparsers(dest="action", required=True, parser_class=Parser)
    keys_cmd.add_parser("init", help="create any missing keys (for production set-up)")
    keys_cmd.add_parser("rotate-audit", help="replace the audit signing key; old checkpoints "
                                             "stay verifiable through a signed key transition")
    keys_cmd.add_parser("rotate-master", help="replace the master key and rewrap every data "
                                              "key under it, while the hub keeps serving")
    return parser
