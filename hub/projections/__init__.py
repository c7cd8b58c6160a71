"""Read models of the store's log: the work index (where the queues stand, in memory) and the
safeguarding indicators (day counts, kept between runs). Each follows the log through the one
log follower (``hub.ports.EventLog``), as the Kafka relay and retention do; the aggregates stay
the truth."""
