"""The administrator's commands: agencies, people and their tokens, keys, the access policy,
retention and legal holds, subject access, erasure and the demo."""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from domain.agencies import StaffChangeReason
from hub.cli.common import UsageError, operator
from hub.settings import Settings
from policies.decision_point import PolicyText, build_enforcer

if TYPE_CHECKING:
    from hub.bootstrap import Hub


def init_keys(settings: Settings, args: argparse.Namespace) -> int:
    del args
    from hub.bootstrap import KeyFiles

    created = [n for n in ("link", "audit-signing", "master", "web-session") if
               KeyFiles(settings.home, may_generate=True).create(n)]
    print(f"created: {', '.join(created) or 'nothing, all keys exist'}")
    return 0


def rotate_master(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings, args
    from hub.bootstrap import rotate_master as rewrap

    count = rewrap(hub)
    print(f"master key rotated; {count} data keys rewrapped under it")
    return 0


def rotate_audit(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings, args
    from hub.audit.checkpoints import LogMismatch

    retired = f"audit-signing.retired-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    try:
        key = hub.checkpoints.rotate_key(lambda: retired)
    except LogMismatch as error:
        print(f"hub keys rotate-audit: refused: {error}", file=sys.stderr)
        return 1
    print(f"audit signing key rotated; old key kept as {retired}.key")
    print(key)
    return 0


def agencies(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings
    agency = hub.registry.register_agency(args.agency_id, args.kind, args.name, args.urn)
    print(f"registered agency {agency['id']} ({agency['kind']})")
    return 0


def users(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings
    if args.action == "add":
        user, token = hub.registry.register_user(args.agency, args.role, args.name)
        print(f"registered {user['role']} at {user['agency']}: user id {user['id']}; "
              f"token expires {user['token_expires_at']}")
        print(token)
    elif args.action == "list":
        _list_users(hub, args)
    elif args.action == "disable":
        _disable(hub, args)
    elif args.action == "link-oidc":
        _link_oidc(hub, args)
    else:
        user, token = hub.registry.rotate(operator(), args.user,
                                          StaffChangeReason(args.reason_code))
        print(f"new token for user {user['id']} ({user['role']} at {user['agency']}), "
              f"expires {user['token_expires_at']}; the old one no longer works")
        print(token)
    return 0


def _list_users(hub: "Hub", args: argparse.Namespace) -> None:
    people = hub.registry.users(args.agency)
    if args.json:
        for user in people:
            print(json.dumps(user))
        return
    print(f"{'user id':36} {'agency':20} {'role':26} {'active':8} {'token expires':25} name")
    for u in people:
        state = ("demo " if u["demo"] else "") + ("yes" if u["active"] else "no")
        print(f"{u['id']:36} {u['agency']:20} {u['role']:26} {state:8} "
              f"{u['token_expires_at'] or '-':25} {u['name'] or '-'}")
    print(f"{len(people)} users, {sum(u['active'] for u in people)} active")


def _link_oidc(hub: "Hub", args: argparse.Namespace) -> None:
    if hub.sign_in is None:
        raise UsageError("hub users link-oidc: OpenID Connect sign-in is not enabled (set "
                         "HUB_OIDC_ISSUER and the other HUB_OIDC_ settings)")
    user = hub.sign_in.link(operator(), args.user, args.subject,
                            StaffChangeReason(args.reason_code))
    print(f"user {user['id']} ({user['role']} at {user['agency']}) now signs in to the web app "
          f"as that identity at {hub.sign_in.issuer}; any identity linked before no longer works")


def _disable(hub: "Hub", args: argparse.Namespace) -> None:
    if args.demo:
        reason = StaffChangeReason(args.reason_code or "other")
        demo = hub.registry.demo_users()
        for user in demo:
            hub.registry.disable(operator(), UUID(user["id"]), reason)
        print(f"disabled {len(demo)} demo users")
        return
    if args.reason_code is None:
        raise UsageError("hub users disable: --user needs --reason-code")
    user = hub.registry.disable(operator(), args.user, StaffChangeReason(args.reason_code))
    print(f"disabled user {user['id']} ({user['role']} at {user['agency']}); their "
          "token no longer works")


def policy(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings
    if args.action == "history":
        for version in hub.policies.history():
            print(f"{version.timestamp.isoformat()} {version.version} by {version.author}: "
                  f"{version.reason}")
        return 0
    try:
        text = PolicyText(Path(args.model).read_text(encoding="utf-8"),
                          Path(args.policy).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"hub policy publish: cannot read {error.filename}") from None
    try:
        build_enforcer(text)
    except Exception as error:
        raise UsageError(f"hub policy publish: not a valid Casbin policy ({error})") from None
    published = hub.policies.publish(text, args.author, args.reason)
    print(f"in force from {published.timestamp.isoformat()}: {published.version}")
    return 0


def retention(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings
    if args.action == "run":
        report = hub.retention.run(args.dry_run)
        for item in report["due"]:
            state = "HELD" if item["held"] else ("due" if args.dry_run else "erased")
            print(f"{item['child_id']}  due {item['due']}  {item['rule']}  {state}")
        print(f"{len(report['due'])} due, {report['erased']} erased, {report['held']} "
              f"held{' (dry run: nothing erased)' if args.dry_run else ''}")
        return 0
    hub.retention.hold(operator(), args.child, args.action == "hold", args.reason_code,
                       args.reason)
    print(f"legal hold {'placed on' if args.action == 'hold' else 'released from'} "
          f"{args.child}")
    return 0


def subject_access(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings
    if args.redact:
        parts = args.redact.split(":")
        if len(parts) != 3 or not args.reason:
            raise UsageError("hub sar: --redact RECORD:PATH:EXEMPTION needs --reason")
        record, path, exemption = parts
        hub.subject_access.redact(operator(), args.child, record, path, exemption, args.reason)
        print(f"redaction recorded: {parts[1]} of {parts[0]} ({parts[2]})")
    elif args.out:
        made = hub.subject_access.assemble(operator(), args.child, Path(args.out),
                                           args.requested_by)
        print(f"pack written to {args.out}: {made['records']} records, "
              f"{made['redactions']} redactions to review, {made['disclosures']} "
              f"disclosures; due by {made['due_on']}")
    else:
        raise UsageError("hub sar: give --out DIR, or --redact with --reason")
    return 0


def erase(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings
    done = hub.erasure.erase(operator(), args.child, args.reason_code, args.reason)
    print(f"erased child {done['child_id']} at {done['erased_at']}: its keys are "
          "destroyed; the audit trail still verifies")
    return 0


def demo(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings, args
    from hub.demo import seed_demo

    people, children = seed_demo(hub)
    print("demo users (agency, role, name, token):")
    for person in people:
        print(f"  {person.agency:18} {person.role:24} {person.name:18} "
              f"{person.token if person.active else '(disabled)'}")
    print("demo children (id: what was sent about them; never a name):")
    for child in children:
        print("  " + child.describe())
    print("API docs: /docs on the host and port `hub serve` listens on")
    return 0
