#!/usr/bin/env bash
# Creates the hub's Kafka topics with production settings, using Apache Kafka's own tools.
#
#   BOOTSTRAP=kafka1.internal:9093 COMMAND_CONFIG=/etc/hub/kafka-admin.properties \
#       deploy/kafka-topics.sh
#
# Safe to run again: a topic that exists is left as it is (--if-not-exists), and its
# settings are then set to the values below (kafka-configs.sh --alter), so a topic made by
# hand earlier ends up with them too. The partition count and replication factor of an
# existing topic are not changed: Kafka needs a reassignment for that.
#
# Settings, each from the environment, with its default:
#   BOOTSTRAP              localhost:9092   a broker to talk to
#   PARTITIONS             6                inbound and outbound topics; at least the number
#                                           of `hub ingest` processes you will run
#   DLQ_PARTITIONS         1                dead-letter topics (little traffic, no order)
#   REPLICATION_FACTOR     3
#   MIN_INSYNC_REPLICAS    2                with acks=all: a write survives one broker lost
#   INBOUND_RETENTION_MS   604800000        7 days: time to replay after an outage
#   DLQ_RETENTION_MS       2592000000       30 days: time to look at a bad record and fix it
#   OUTBOUND_RETENTION_MS  604800000        7 days: time for a subscriber to catch up
#   COMMAND_CONFIG         (none)           client properties for TLS and SASL, passed as
#                                           --command-config to the Kafka tools
#   KAFKA_BIN              (none)           the folder holding kafka-topics.sh, if not on PATH
#
# Inbound and dead-letter topics carry agencies' records as sent, personal data included, in
# clear. Their retention is how long that copy lives outside the hub, beyond the reach of
# erasure: keep it as short as recovery allows.

set -euo pipefail

BOOTSTRAP="${BOOTSTRAP:-localhost:9092}"
PARTITIONS="${PARTITIONS:-6}"
DLQ_PARTITIONS="${DLQ_PARTITIONS:-1}"
REPLICATION_FACTOR="${REPLICATION_FACTOR:-3}"
MIN_INSYNC_REPLICAS="${MIN_INSYNC_REPLICAS:-2}"
INBOUND_RETENTION_MS="${INBOUND_RETENTION_MS:-604800000}"
DLQ_RETENTION_MS="${DLQ_RETENTION_MS:-2592000000}"
OUTBOUND_RETENTION_MS="${OUTBOUND_RETENTION_MS:-604800000}"
COMMAND_CONFIG="${COMMAND_CONFIG:-}"
KAFKA_BIN="${KAFKA_BIN:-}"

INBOUND_TOPICS=(
  police.notifications.v1
  health.concerns.v1
  schools.concerns.v1
  missing.notifications.v1
  dart.outcomes.v1
)
OUTBOUND_TOPICS=(
  hub.events.v1
  schools.encompass.v1
)

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "kafka-topics.sh: takes no arguments; settings come from the environment (see --help)" >&2
  exit 2
fi

tool() {
  local name="$1"
  if [[ -n "$KAFKA_BIN" ]]; then
    echo "$KAFKA_BIN/$name"
  else
    echo "$name"
  fi
}
TOPICS_TOOL="$(tool kafka-topics.sh)"
CONFIGS_TOOL="$(tool kafka-configs.sh)"
for t in "$TOPICS_TOOL" "$CONFIGS_TOOL"; do
  if ! command -v "$t" >/dev/null 2>&1; then
    echo "kafka-topics.sh: $t not found; set KAFKA_BIN to Kafka's bin folder" >&2
    exit 2
  fi
done
if [[ -n "$COMMAND_CONFIG" && ! -r "$COMMAND_CONFIG" ]]; then
  echo "kafka-topics.sh: cannot read COMMAND_CONFIG=$COMMAND_CONFIG" >&2
  exit 2
fi

connection=(--bootstrap-server "$BOOTSTRAP")
if [[ -n "$COMMAND_CONFIG" ]]; then
  connection+=(--command-config "$COMMAND_CONFIG")
fi

# ensure TOPIC PARTITIONS RETENTION_MS: create the topic if missing, then set its configs.
ensure() {
  local topic="$1" partitions="$2" retention_ms="$3"
  local configs=(
    "cleanup.policy=delete"
    "retention.ms=$retention_ms"
    "min.insync.replicas=$MIN_INSYNC_REPLICAS"
    # A replica that missed writes must never become leader: that would drop acknowledged
    # records silently. Better a partition unavailable until an in-sync replica returns.
    "unclean.leader.election.enable=false"
  )
  local create=("$TOPICS_TOOL" "${connection[@]}" --create --if-not-exists
                --topic "$topic" --partitions "$partitions"
                --replication-factor "$REPLICATION_FACTOR")
  local c
  for c in "${configs[@]}"; do
    create+=(--config "$c")
  done
  "${create[@]}"
  local joined
  joined="$(IFS=,; echo "${configs[*]}")"
  "$CONFIGS_TOOL" "${connection[@]}" --alter --entity-type topics --entity-name "$topic" \
    --add-config "$joined"
}

for topic in "${INBOUND_TOPICS[@]}"; do
  ensure "$topic" "$PARTITIONS" "$INBOUND_RETENTION_MS"
  ensure "$topic.dlq" "$DLQ_PARTITIONS" "$DLQ_RETENTION_MS"
done
for topic in "${OUTBOUND_TOPICS[@]}"; do
  ensure "$topic" "$PARTITIONS" "$OUTBOUND_RETENTION_MS"
done

echo "topics ready on $BOOTSTRAP:"
"$TOPICS_TOOL" "${connection[@]}" --describe \
  --topics-with-overrides \
  --topic '^(police\.notifications|health\.concerns|schools\.concerns|missing\.notifications|dart\.outcomes|hub\.events|schools\.encompass)\.v1(\.dlq)?$'
