{{/* Names and labels. */}}
{{- define "familypath.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "familypath.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{ include "familypath.commonLabels" . }}
{{- end -}}

{{/* Labels beside the selector labels (pod templates carry selector + common). */}}
{{- define "familypath.commonLabels" -}}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "familypath.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "familypath.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .binary $tag -}}
{{- else -}}
{{- printf "familypath/%s:%s" .binary $tag -}}
{{- end -}}
{{- end -}}

{{/*
The components: each service's api and worker, and the workflow worker, with the defaults
merged under their own overrides. Returned as YAML; use with fromYaml.
*/}}
{{- define "familypath.components" -}}
{{- $root := . -}}
components:
{{- range $svc := list "identification" "attachment" "case" "tracking" "claims" }}
{{- $own := index $root.Values.services $svc }}
{{- range $mode := list "api" "worker" }}
- name: {{ printf "%s-%s" $svc $mode }}
  binary: {{ $svc }}
  mode: {{ $mode }}
  args: [{{ ternary "serve" "worker" (eq $mode "api") }}]
  needsData: true
  values: {{ mergeOverwrite (deepCopy $root.Values.defaults) (deepCopy (index $own $mode | default dict)) | toJson }}
{{- end }}
{{- end }}
- name: workflow-worker
  binary: workflow-worker
  mode: worker
  args: [worker]
  needsData: false
  values: {{ mergeOverwrite (deepCopy $root.Values.defaults) (omit (deepCopy $root.Values.workflowWorker) "overdueGrace" "stalledStepGrace" "workflowTaskPollers" "familyRetention") | toJson }}
{{- if $root.Values.codecServer.enabled }}
- name: codec-server
  binary: workflow-worker
  mode: codec
  args: [codec-server]
  needsData: true
  values: {{ mergeOverwrite (deepCopy $root.Values.defaults) (deepCopy $root.Values.codecServer.overrides) | toJson }}
{{- end }}
{{- end -}}

{{/* Components that serve HTTP on port 8080 and verify access tokens. */}}
{{- define "familypath.servesHTTP" -}}
{{- if or (eq .mode "api") (eq .mode "codec") }}true{{ end -}}
{{- end -}}

{{- define "familypath.jwksUrl" -}}
{{- if .Values.oidc.jwksConfigMap -}}
file:///etc/familypath/oidc/jwks.json
{{- else -}}
{{- required "oidc.jwksUrl is required (https:// address of your identity provider's JWKS)" .Values.oidc.jwksUrl -}}
{{- end -}}
{{- end -}}

{{/* Pod security shared by every pod: Pod Security Standards "restricted". */}}
{{- define "familypath.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "familypath.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Settings every process reads (docs/configuration.md). Secrets only by reference. */}}
{{- define "familypath.env" -}}
{{- $v := .root.Values -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address is required (host:port of your Temporal frontend)" $v.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $v.temporal.namespace | quote }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: METRICS_ADDR
  value: ":9090"
{{- with $v.tracing }}{{ if .otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .otlpEndpoint | quote }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .sampleRatio | default 0 | toString | quote }}
{{- with .headersSecret }}
- name: OTEL_EXPORTER_OTLP_HEADERS
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: headers
{{- end }}
{{- end }}{{ end }}
{{- if eq .mode "worker" }}
- name: WORKER_STOP_TIMEOUT
  value: {{ printf "%ds" (int (.values.stopTimeoutSeconds | default 120)) | quote }}
{{- end }}
{{- if $v.development }}
- name: FAMILYPATH_DEVELOPMENT
  value: "true"
{{- end }}
{{- if eq .mode "api" }}
- name: HTTP_ADDR
  value: ":8080"
{{- with $v.trustedProxies }}
- name: TRUSTED_PROXIES
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- if .needsData }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "postgres.existingSecret is required (a Secret holding the DATABASE_URL)" $v.postgres.existingSecret }}
      key: {{ $v.postgres.key }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "redis.existingSecret is required (a Secret holding the REDIS_URL)" $v.redis.existingSecret }}
      key: {{ $v.redis.key }}
{{- end }}
{{- if and .owner $v.postgres.migrationSecret }}
{{- /* Only migrate jobs hold the owner's credentials: the running services never do. */}}
- name: MIGRATION_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.postgres.migrationSecret }}
      key: {{ $v.postgres.migrationKey }}
{{- end }}
{{- if $v.temporal.tls.enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- if $v.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ $v.temporal.tls.serverName | quote }}
{{- end }}
{{- if $v.temporal.tls.existingSecret }}
- name: TEMPORAL_TLS_CERT
  value: /etc/familypath/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/familypath/temporal-tls/tls.key
- name: TEMPORAL_TLS_CA
  value: /etc/familypath/temporal-tls/ca.crt
{{- end }}
{{- end }}
{{- if $v.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.temporal.apiKey.existingSecret }}
      key: {{ $v.temporal.apiKey.key }}
{{- end }}
- name: PAYLOAD_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ required "temporal.payloadKeys.existingSecret is required (a Secret holding the key ring that encrypts Temporal payloads)" $v.temporal.payloadKeys.existingSecret }}
      key: {{ $v.temporal.payloadKeys.key }}
{{- with $v.auditKey.existingSecret }}
- name: AUDIT_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $v.auditKey.key }}
{{- end }}
{{- if and (ne .binary "workflow-worker") (ne .mode "job") }}
- name: FIELD_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ required "fieldKeys.existingSecret is required (a Secret holding the key ring that seals personal data in Postgres)" $v.fieldKeys.existingSecret }}
      key: {{ $v.fieldKeys.key }}
{{- end }}
{{- if include "familypath.servesHTTP" . }}
- name: OIDC_ISSUER
  value: {{ required "oidc.issuer is required (your identity provider's issuer)" $v.oidc.issuer | quote }}
- name: OIDC_AUDIENCE
  value: {{ required "oidc.audience is required (the audience of familypath's access tokens)" $v.oidc.audience | quote }}
- name: OIDC_JWKS_URL
  value: {{ include "familypath.jwksUrl" .root | quote }}
{{- with $v.oidc.algorithms }}
- name: OIDC_ALGORITHMS
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- if and (eq .mode "api") (ne .binary "case") }}
- name: CASE_URL
  value: {{ printf "http://%s-case-api:8080" (include "familypath.fullname" .root) | quote }}
{{- end }}
{{- if and (eq .mode "worker") (has .binary (list "identification" "tracking" "claims")) }}
- name: CASE_URL
  value: {{ printf "http://%s-case-api:8080" (include "familypath.fullname" .root) | quote }}
{{- if ne .binary "identification" }}
- name: IDENTIFICATION_URL
  value: {{ printf "http://%s-identification-api:8080" (include "familypath.fullname" .root) | quote }}
{{- end }}
{{- if $v.serviceCredentials.devIssuerSecret }}
- name: DEV_ISSUER_DIR
  value: /etc/familypath/dev-issuer
{{- else }}
- name: SERVICE_TOKEN_URL
  value: {{ required "serviceCredentials.tokenUrl is required (the identity provider's token endpoint, for the services' own tokens)" $v.serviceCredentials.tokenUrl | quote }}
- name: SERVICE_CLIENT_ID
  valueFrom:
    secretKeyRef:
      name: {{ required "serviceCredentials.existingSecret is required (a Secret holding the services' OAuth client id and secret)" $v.serviceCredentials.existingSecret }}
      key: {{ $v.serviceCredentials.clientIdKey }}
- name: SERVICE_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $v.serviceCredentials.existingSecret }}
      key: {{ $v.serviceCredentials.clientSecretKey }}
{{- with $v.serviceCredentials.scope }}
- name: SERVICE_TOKEN_SCOPE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq .mode "codec" }}
- name: CODEC_ADDR
  value: ":8080"
- name: CODEC_CORS_ORIGINS
  value: {{ join "," $v.codecServer.corsOrigins | quote }}
{{- end }}
{{- if and (eq .binary "case") (eq .mode "api") }}
- name: DATA_QUALITY_STALE_WEEKS
  value: {{ $v.dataQuality.staleWeeks | quote }}
{{- end }}
{{- if and (eq .binary "workflow-worker") (eq .mode "worker") }}
- name: OVERDUE_GRACE
  value: {{ $v.workflowWorker.overdueGrace | quote }}
- name: STALLED_STEP_GRACE
  value: {{ $v.workflowWorker.stalledStepGrace | quote }}
- name: FAMILY_RETENTION
  value: {{ $v.workflowWorker.familyRetention | quote }}
- name: WORKFLOW_TASK_POLLERS
  value: {{ $v.workflowWorker.workflowTaskPollers | quote }}
{{- end }}
{{- range .values.extraEnv }}
- name: {{ .name }}
  value: {{ .value | quote }}
{{- end }}
{{- end -}}

{{- define "familypath.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if ne .mode "job" }}
- name: plans
  mountPath: /etc/familypath/plans
  readOnly: true
{{- end }}
{{- if and .root.Values.temporal.tls.enabled .root.Values.temporal.tls.existingSecret }}
- name: temporal-tls
  mountPath: /etc/familypath/temporal-tls
  readOnly: true
{{- end }}
{{- if and (include "familypath.servesHTTP" .) .root.Values.oidc.jwksConfigMap }}
- name: oidc
  mountPath: /etc/familypath/oidc
  readOnly: true
{{- end }}
{{- if and (eq .mode "worker") (has .binary (list "identification" "tracking" "claims")) .root.Values.serviceCredentials.devIssuerSecret }}
- name: dev-issuer
  mountPath: /etc/familypath/dev-issuer
  readOnly: true
{{- end }}
{{- end -}}

{{- define "familypath.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if ne .mode "job" }}{{/* hooks run before the ConfigMap exists */}}
- name: plans
  configMap:
    name: {{ include "familypath.fullname" .root }}-plans
{{- end }}
{{- if and .root.Values.temporal.tls.enabled .root.Values.temporal.tls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .root.Values.temporal.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- if and (include "familypath.servesHTTP" .) .root.Values.oidc.jwksConfigMap }}
- name: oidc
  configMap:
    name: {{ .root.Values.oidc.jwksConfigMap }}
{{- end }}
{{- if and (eq .mode "worker") (has .binary (list "identification" "tracking" "claims")) .root.Values.serviceCredentials.devIssuerSecret }}
- name: dev-issuer
  secret:
    secretName: {{ .root.Values.serviceCredentials.devIssuerSecret }}
{{- end }}
{{- end -}}
