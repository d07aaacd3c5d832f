{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "spirl-system.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name for objects; the release name alone when it already contains the chart name. */}}
{{- define "spirl-system.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels: stable for the life of a release, so never add a version here. */}}
{{- define "spirl-system.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spirl-system.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: trust-domain-server
{{- end -}}

{{/* Standard labels on every object. */}}
{{- define "spirl-system.labels" -}}
{{ include "spirl-system.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "spirl-system.serviceAccountName" -}}
{{- default (include "spirl-system.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}
