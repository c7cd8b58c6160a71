#!/usr/bin/env bash
# Makes the secrets deploy/compose.yaml mounts, in deploy/compose/secrets: database passwords,
# the hub's store URLs, the metrics token, and TLS material for Kafka (a CA, the broker's
# certificate, and a client certificate each for the admin tools, hub ingest and hub relay).
# Needs openssl. Safe to run again: a file that exists is kept, never replaced.
#
#   deploy/compose/init-secrets.sh
#   KAFKA_HOSTNAMES=kafka,kafka.hub.internal,192.0.2.10 deploy/compose/init-secrets.sh
#       (the broker's names and addresses as clients dial them; default: kafka)
#
# The files, each mounted at /run/secrets/NAME by compose:
#   postgres-password          PostgreSQL's superuser (the postgres image, db-grants)
#   postgres-owner-password    hub_owner: creates tables (hub-migrate)
#   postgres-app-password      hub_app: every hub process
#   hub-store-url              HUB_STORE_URL as hub_app (holds its password)
#   hub-owner-store-url        HUB_STORE_URL as hub_owner, for hub-migrate only
#   hub-metrics-token          HUB_METRICS_TOKEN; give Prometheus the same value
#   kafka-ca.pem               the CA every party trusts (public)
#   kafka-broker.pem           the broker's key and certificate (SAN: KAFKA_HOSTNAMES)
#   kafka-admin.pem            key and certificate of Kafka's tools (CN=kafka-admin)
#   kafka-ingest.{crt,key}     hub ingest's client certificate (CN=hub-ingest)
#   kafka-relay.{crt,key}      hub relay's client certificate (CN=hub-relay)
#   ca/kafka-ca.key            the CA's key: it signs nothing at run time, so move it
#                              offline once the certificates are made
#
# Permissions. Compose mounts file secrets as bind mounts with the host file's owner and
# mode, and each container reads them as its own user (hub 10001, postgres 999, Kafka's
# appuser 1000; rootless engines map them differently again). So the files are 0444 and the
# folder 0700, owned by whoever runs this: no other account on the host can reach them, and
# each container sees only the secrets its service lists. Keep it that way; do not put the
# folder on a network file system, or on one that is backed up in clear.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${SECRETS_DIR:-$here/secrets}"
KAFKA_HOSTNAMES="${KAFKA_HOSTNAMES:-kafka}"
CERT_DAYS="${CERT_DAYS:-825}"
CA_DAYS="${CA_DAYS:-3650}"

command -v openssl >/dev/null || { echo "init-secrets.sh: openssl not found" >&2; exit 2; }
umask 077
mkdir -p "$out/ca"
chmod 0700 "$out" "$out/ca"

made=()
# secret NAME COMMAND...: write COMMAND's output to NAME unless it exists.
secret() {
  local name="$1"; shift
  if [[ ! -e "$out/$name" ]]; then
    "$@" > "$out/$name.tmp"
    mv "$out/$name.tmp" "$out/$name"
    made+=("$name")
  fi
}
password() { openssl rand -hex 32 | tr -d '\n'; }

secret postgres-password password
secret postgres-owner-password password
secret postgres-app-password password
secret hub-metrics-token password
# Letters and digits only, so nothing in the password needs percent-encoding in the URL.
store_url() { printf 'postgresql://%s:%s@postgres:5432/hub?schema=hub&lock_timeout=5' "$1" "$(cat "$2")"; }
secret hub-store-url store_url hub_app "$out/postgres-app-password"
secret hub-owner-store-url store_url hub_owner "$out/postgres-owner-password"

# --- TLS for Kafka: EC P-256 keys in PKCS#8 (what Kafka's PEM key stores read) -------------
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null; }
if [[ ! -e "$out/kafka-ca.pem" ]]; then
  key > "$out/ca/kafka-ca.key"
  openssl req -x509 -new -sha256 -days "$CA_DAYS" -key "$out/ca/kafka-ca.key" \
    -subj "/CN=safeguarding-hub Kafka CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/kafka-ca.pem"
  made+=(kafka-ca.pem)
fi

# issue NAME CN USAGE [SAN]: a key and a certificate signed by the CA, as NAME.key, NAME.crt.
issue() {
  local name="$1" cn="$2" usage="$3" san="${4:-}" work
  work="$(mktemp -d)"
  key > "$work/key"
  openssl req -new -sha256 -key "$work/key" -subj "/CN=$cn" -out "$work/csr"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    [[ -z "$san" ]] || echo "subjectAltName=$san"
  } > "$work/ext"
  openssl x509 -req -sha256 -days "$CERT_DAYS" -in "$work/csr" -CA "$out/kafka-ca.pem" \
    -CAkey "$out/ca/kafka-ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$work/ext" -out "$work/crt" 2>/dev/null
  mv "$work/key" "$out/$name.key"
  mv "$work/crt" "$out/$name.crt"
  rm -rf "$work"
}
if [[ ! -e "$out/kafka-broker.pem" ]]; then
  san=""
  IFS=, read -r -a names <<< "$KAFKA_HOSTNAMES"
  for h in "${names[@]}"; do
    if [[ "$h" =~ ^[0-9.]+$ || "$h" == *:* ]]; then san+="IP:$h,"; else san+="DNS:$h,"; fi
  done
  # The broker is also a client of itself (inter-broker listener), hence both usages.
  issue broker kafka "serverAuth,clientAuth" "${san%,}"
  cat "$out/broker.key" "$out/broker.crt" > "$out/kafka-broker.pem"
  rm -f "$out/broker.key" "$out/broker.crt"
  made+=(kafka-broker.pem)
fi
if [[ ! -e "$out/kafka-admin.pem" ]]; then
  issue admin kafka-admin clientAuth
  cat "$out/admin.key" "$out/admin.crt" > "$out/kafka-admin.pem"
  rm -f "$out/admin.key" "$out/admin.crt"
  made+=(kafka-admin.pem)
fi
for worker in ingest relay; do
  if [[ ! -e "$out/kafka-$worker.crt" ]]; then
    issue "kafka-$worker" "hub-$worker" clientAuth
    made+=("kafka-$worker.crt" "kafka-$worker.key")
  fi
done

find "$out" -maxdepth 1 -type f -exec chmod 0444 {} +
chmod 0400 "$out/ca/kafka-ca.key"
for name in kafka-broker.pem kafka-admin.pem kafka-ingest.crt kafka-relay.crt; do
  openssl verify -CAfile "$out/kafka-ca.pem" <(openssl x509 -in "$out/$name") >/dev/null
done
if [[ ${#made[@]} -eq 0 ]]; then
  echo "init-secrets.sh: every secret exists in $out; nothing made"
else
  echo "init-secrets.sh: made ${made[*]} in $out"
fi
