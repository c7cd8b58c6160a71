"""The safeguarding domain: records, events and rules, free of frameworks.

Only the standard library and ``eventsourcing.domain`` are imported here.
"""
