{{- define "oauth2-sidecar.host" -}}
{{- default (printf "%s.%s" .Values.app.name .Values.domain) .Values.app.host -}}
{{- end -}}

{{- define "oauth2-sidecar.cookieDomain" -}}
{{- default (printf ".%s" .Values.domain) .Values.cookieDomain -}}
{{- end -}}

{{- define "oauth2-sidecar.secretName" -}}
{{- default "oauth2-proxy-secret" .Values.oauth.existingSecret -}}
{{- end -}}

{{- define "oauth2-sidecar.labels" -}}
app.kubernetes.io/name: {{ .Values.app.name }}
app.kubernetes.io/part-of: oauth2-sidecar
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "oauth2-sidecar.selector" -}}
app.kubernetes.io/name: {{ .Values.app.name }}
{{- end -}}
