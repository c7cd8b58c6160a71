"""Edges that talk to something outside the process: databases, files of keys, Kafka."""
