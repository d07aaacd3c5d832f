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

{{/*
Selector labels: stable for the life of a release, so never add a version here.
Takes the root context, or a dict with Chart, Release and component (default trust-domain-server).
*/}}
{{- define "spirl-system.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spirl-system.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .component | default "trust-domain-server" }}
{{- end -}}

{{/* Standard labels on every object; same argument as selectorLabels. */}}
{{- define "spirl-system.labels" -}}
{{ include "spirl-system.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
`base` with `suffix`, within 63 characters and never equal to `base`: the base is cut to leave room for the
suffix, as cert-manager's and Bitnami's charts do. (`trunc 63` on "<base><suffix>" cuts the suffix itself off
a long base and gives back the base: a hook ServiceAccount named like the release's, which the hook's delete
policy would then remove.) A cut ending in `-` or `.` is trimmed, so the result stays a DNS-1123 name.
Takes a dict with base and suffix.
*/}}
{{- define "spirl-system.suffixedName" -}}
{{- $room := sub 63 (len .suffix) | int -}}
{{- printf "%s%s" (regexReplaceAll "[-.]+$" (trunc $room .base) "") .suffix -}}
{{- end -}}

{{/*
The ServiceAccount the Trust Domain Server runs as: serviceAccount.name, else the release's full name when
the chart creates it, else `default` (what Kubernetes runs a pod as when it names none; the chart must not
point at a ServiceAccount it never creates).
*/}}
{{- define "spirl-system.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "spirl-system.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Name of the ServiceAccount the pre-install/pre-upgrade hook runs as. */}}
{{- define "spirl-system.preflightServiceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- include "spirl-system.suffixedName" (dict "base" (include "spirl-system.serviceAccountName" .) "suffix" "-preflight") -}}
{{- else -}}
{{- include "spirl-system.serviceAccountName" . -}}
{{- end -}}
{{- end -}}

{{/* The restricted Pod Security context every pod of this chart runs with. */}}
{{- define "spirl-system.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The restricted container security context. */}}
{{- define "spirl-system.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* The key vault settings as the environment the Trust Domain Server and the preflight read. */}}
{{- define "spirl-system.keyVaultEnv" -}}
{{- $kv := .Values.azure.keyVault -}}
- name: SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL
  value: {{ $kv.url | quote }}
- name: SPIRL_KEYWRAP_AZURE_KEY_NAME
  value: {{ $kv.keyName | quote }}
{{- with $kv.keyVersion }}
- name: SPIRL_KEYWRAP_AZURE_KEY_VERSION
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
The preflight container: the same check in the init container and in the hook Job's main container
(a hook's main container, so `helm install` can show its log when it fails).
*/}}
{{- define "spirl-system.preflightContainer" -}}
{{- $p := .Values.preflight -}}
name: keywrap-preflight
image: "{{ $p.image.repository }}:{{ $p.image.tag | default .Chart.AppVersion }}"
imagePullPolicy: {{ $p.image.pullPolicy }}
env:
  {{- include "spirl-system.keyVaultEnv" . | nindent 2 }}
  - name: SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT
    value: {{ $p.timeout | quote }}
  - name: SPIRL_KEYWRAP_LOG_FORMAT
    value: {{ $p.logFormat | quote }}
securityContext:
  {{- include "spirl-system.containerSecurityContext" . | nindent 2 }}
resources:
  {{- toYaml $p.resources | nindent 2 }}
{{- end -}}

{{/*
Switching the key-wrapping key (another HSM or another key name) on an existing deployment is not supported:
what the server has stored is wrapped by the current key and cannot be unwrapped with another. On upgrade,
compare with the running Deployment (`lookup` sees nothing under `helm template` or a client dry run).
A new keyVersion of the same key is fine: that is a rotation.
*/}}
{{- define "spirl-system.checkKeyUnchanged" -}}
{{- $existing := lookup "apps/v1" "Deployment" .Release.Namespace (include "spirl-system.fullname" .) -}}
{{- if $existing -}}
{{- $was := dict -}}
{{- range $existing.spec.template.spec.containers -}}
{{- if eq .name "trust-domain-server" -}}
{{- range .env -}}
{{- $_ := set $was .name (.value | default "") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $kv := .Values.azure.keyVault -}}
{{- $wasUrl := get $was "SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL" | lower | trimSuffix "/" -}}
{{- $wasKey := get $was "SPIRL_KEYWRAP_AZURE_KEY_NAME" -}}
{{- $nowUrl := $kv.url | lower | trimSuffix "/" -}}
{{- if and $wasUrl (ne $wasUrl $nowUrl) -}}
{{- fail (printf "azure.keyVault.url: switching the key-wrapping HSM on an existing deployment is not supported; the stored signing keys are wrapped by a key in the current HSM and cannot be unwrapped with another; expected %q; got %q; keep the current value, or contact Defakto support to migrate" (get $was "SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL") $kv.url) -}}
{{- end -}}
{{- if and $wasKey (ne $wasKey $kv.keyName) -}}
{{- fail (printf "azure.keyVault.keyName: switching the key-wrapping key on an existing deployment is not supported; the stored signing keys are wrapped by the current key and cannot be unwrapped with another (to rotate, add a version to the same key in the HSM); expected %q; got %q; keep the current value, or contact Defakto support to migrate" $wasKey $kv.keyName) -}}
{{- end -}}
{{- end -}}
{{- end -}}
