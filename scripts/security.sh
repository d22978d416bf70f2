#!/usr/bin/env bash
# Security checks of `make test`: staticcheck over every package, gosec over every module
# (generated code excluded; each finding fixed or marked `#nosec <rule> -- why` on its line),
# and govulncheck over every module: against the Go vulnerability database online, or against
# a local copy of it when FAMILYPATH_VULNDB names one (for machines that cannot reach
# vuln.go.dev; a named folder that holds no database fails the run rather than skipping the
# check). Pinned versions: scripts/versions.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

VULNDB_ARGS=() VULNDB_NAME="vuln.go.dev"
if [[ -n "${FAMILYPATH_VULNDB:-}" ]]; then
  [[ -f "$FAMILYPATH_VULNDB/index/db.json" ]] || die "FAMILYPATH_VULNDB=$FAMILYPATH_VULNDB holds no Go vulnerability database (index/db.json)"
  VULNDB=$(cd "$FAMILYPATH_VULNDB" && pwd)
  VULNDB_ARGS=(-db "file://$VULNDB")
  VULNDB_NAME="the local database of $(sed -n 's/.*as of \([0-9-]*\).*/\1/p' "$VULNDB/README.md" 2>/dev/null | head -n1)"
fi

mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')
PKGS=(); for m in "${MODULES[@]}"; do PKGS+=("./$m/..."); done

STATICCHECK=$(staticcheck_bin); GOSEC=$(gosec_bin); GOVULNCHECK=$(govulncheck_bin)
"$STATICCHECK" "${PKGS[@]}" || die "staticcheck found problems"
"$STATICCHECK" -tags e2e ./e2e/... || die "staticcheck found problems in e2e"
for m in "${MODULES[@]}"; do
  (cd "$m" && "$GOSEC" -quiet -exclude-generated -fmt text ./...) || die "gosec found problems in $m"
  out=$(cd "$m" && "$GOVULNCHECK" "${VULNDB_ARGS[@]}" ./... 2>&1) || { printf '%s\n' "$out" >&2; die "govulncheck: $m calls vulnerable code (update the module named above)"; }
done
log "security: staticcheck, gosec and govulncheck ($VULNDB_NAME) clean"
