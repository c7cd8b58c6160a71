{{/* Names and labels. */}}
{{- define "hub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hub.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hub.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: safeguarding-hub
{{- end }}

{{/* Selector labels of one component: pass (dict "root" $ "component" "serve"). */}}
{{- define "hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hub.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "hub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hub.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "hub.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "hub.pvcName" -}}
{{- default (printf "%s-home" (include "hub.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* The claim for HUB_HOME/audit in the serve pods, when HUB_HOME itself is not on one. */}}
{{- define "hub.auditClaimName" -}}
{{- default (printf "%s-audit" (include "hub.fullname" .)) .Values.auditMemory.existingClaim }}
{{- end }}

{{/* Refuse values that would run the hub without its secrets, its keys or safe Kafka. */}}
{{- define "hub.validate" -}}
{{- if not .Values.secrets.existingSecret }}
{{- fail "secrets.existingSecret: name a Secret holding HUB_STORE_URL and HUB_METRICS_TOKEN (deploy/README.md, Kubernetes)" }}
{{- end }}
{{- if not (or .Values.keys.existingSecret .Values.persistence.enabled) }}
{{- fail "keys must persist: set keys.existingSecret (a Secret made from HUB_HOME/keys) or persistence.enabled" }}
{{- end }}
{{- if and .Values.keysInit.enabled (not .Values.persistence.enabled) }}
{{- fail "keysInit.enabled writes keys to the HUB_HOME volume: it needs persistence.enabled" }}
{{- end }}
{{- if and .Values.keysInit.enabled .Values.keys.existingSecret }}
{{- fail "keysInit.enabled and keys.existingSecret: the keys come from the Secret; turn keysInit off" }}
{{- end }}
{{- if and (not .Values.persistence.enabled) (not .Values.auditMemory.existingClaim) (not (has "ReadWriteMany" .Values.auditMemory.accessModes)) }}
{{- fail "auditMemory.accessModes must include ReadWriteMany: every serve pod shares the signer's memory and lock" }}
{{- end }}
{{- if not .Values.config.HUB_AUDIT_ORIGIN }}
{{- fail "config.HUB_AUDIT_ORIGIN: the name signed into audit checkpoints; choose it once, never change it" }}
{{- end }}
{{- if or .Values.ingest.enabled .Values.relay.enabled }}
{{- if not .Values.kafka.bootstrap }}
{{- fail "kafka.bootstrap: the brokers, for hub ingest and hub relay (or disable them)" }}
{{- end }}
{{- if not (has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL")) }}
{{- fail "kafka.securityProtocol must be SSL or SASL_SSL: production refuses unencrypted Kafka" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The environment of every hub container: the ConfigMap and the two secrets. */}}
{{- define "hub.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "hub.fullname" . }}
env:
  - name: HUB_STORE_URL
    valueFrom:
      secretKeyRef:
        name: {{ .Values.secrets.existingSecret }}
        key: {{ .Values.secrets.storeUrlKey }}
  - name: HUB_METRICS_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ .Values.secrets.existingSecret }}
        key: {{ .Values.secrets.metricsTokenKey }}
{{- end }}

{{/* Kafka settings of one worker: pass (dict "root" $ "worker" .Values.ingest). */}}
{{- define "hub.kafkaEnv" -}}
{{- $kafka := .root.Values.kafka -}}
- name: HUB_KAFKA_BOOTSTRAP
  value: {{ $kafka.bootstrap | quote }}
- name: HUB_KAFKA_SECURITY_PROTOCOL
  value: {{ $kafka.securityProtocol | quote }}
- name: HUB_KAFKA_SESSION_TIMEOUT_MS
  value: {{ $kafka.sessionTimeoutMs | quote }}
{{- if $kafka.caSecret.name }}
- name: HUB_KAFKA_SSL_CAFILE
  value: /etc/hub/kafka-ca/{{ $kafka.caSecret.key }}
{{- end }}
{{- if and (eq $kafka.securityProtocol "SSL") .worker.kafka.tlsSecret }}
- name: HUB_KAFKA_SSL_CERTFILE
  value: /etc/hub/kafka-client/tls.crt
- name: HUB_KAFKA_SSL_KEYFILE
  value: /etc/hub/kafka-client/tls.key
{{- end }}
{{- if eq $kafka.securityProtocol "SASL_SSL" }}
- name: HUB_KAFKA_SASL_MECHANISM
  value: {{ $kafka.saslMechanism | quote }}
- name: HUB_KAFKA_SASL_USERNAME
  value: {{ required "saslUsername of each Kafka worker, for SASL_SSL" .worker.kafka.saslUsername | quote }}
- name: HUB_KAFKA_SASL_PASSWORD_FILE
  value: /etc/hub/kafka-sasl/{{ .worker.kafka.saslPasswordSecret.key }}
{{- end }}
{{- end }}

{{- define "hub.kafkaVolumeMounts" -}}
{{- $kafka := .root.Values.kafka -}}
{{- if $kafka.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/hub/kafka-ca
  readOnly: true
{{- end }}
{{- if and (eq $kafka.securityProtocol "SSL") .worker.kafka.tlsSecret }}
- name: kafka-client
  mountPath: /etc/hub/kafka-client
  readOnly: true
{{- end }}
{{- if eq $kafka.securityProtocol "SASL_SSL" }}
- name: kafka-sasl
  mountPath: /etc/hub/kafka-sasl
  readOnly: true
{{- end }}
{{- end }}

{{- define "hub.kafkaVolumes" -}}
{{- $kafka := .root.Values.kafka -}}
{{- if $kafka.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ $kafka.caSecret.name }}
    defaultMode: 0440
    items:
      - key: {{ $kafka.caSecret.key }}
        path: {{ $kafka.caSecret.key }}
{{- end }}
{{- if and (eq $kafka.securityProtocol "SSL") .worker.kafka.tlsSecret }}
- name: kafka-client
  secret:
    secretName: {{ .worker.kafka.tlsSecret }}
    defaultMode: 0440
    items:
      - {key: tls.crt, path: tls.crt}
      - {key: tls.key, path: tls.key}
{{- end }}
{{- if eq $kafka.securityProtocol "SASL_SSL" }}
- name: kafka-sasl
  secret:
    secretName: {{ required "saslPasswordSecret.name of each Kafka worker, for SASL_SSL" .worker.kafka.saslPasswordSecret.name }}
    defaultMode: 0440
    items:
      - key: {{ .worker.kafka.saslPasswordSecret.key }}
        path: {{ .worker.kafka.saslPasswordSecret.key }}
{{- end }}
{{- end }}

{{/* HUB_HOME, keys, /tmp and the database CA: every hub container mounts these. */}}
{{- define "hub.volumeMounts" -}}
- name: hub-home
  mountPath: /var/lib/hub
{{- if .Values.keys.existingSecret }}
- name: keys
  mountPath: /var/lib/hub/keys
  readOnly: true
{{- end }}
- name: tmp
  mountPath: /tmp
{{- if .Values.postgres.caSecret.name }}
- name: db-ca
  mountPath: /etc/hub/db-ca
  readOnly: true
{{- end }}
{{- end }}

{{- define "hub.volumes" -}}
- name: hub-home
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "hub.pvcName" . }}
{{- else }}
  emptyDir:
    sizeLimit: 256Mi
{{- end }}
{{- if .Values.keys.existingSecret }}
- name: keys
  secret:
    secretName: {{ .Values.keys.existingSecret }}
    # Readable by the hub's group (fsGroup) only; the hub never writes here.
    defaultMode: 0440
{{- end }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if .Values.postgres.caSecret.name }}
- name: db-ca
  secret:
    secretName: {{ .Values.postgres.caSecret.name }}
    defaultMode: 0440
    items:
      - key: {{ .Values.postgres.caSecret.key }}
        path: {{ .Values.postgres.caSecret.key }}
{{- end }}
{{- end }}

{{/* The pod-level settings every hub pod shares. */}}
{{- define "hub.podCommon" -}}
serviceAccountName: {{ include "hub.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "hub.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}
