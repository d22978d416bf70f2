#!/usr/bin/env bash
# Security checks of `make test`: staticcheck over every package, gosec over every module
# (generated code excluded; each finding fixed or marked `#nosec <rule> -- why` on its line),
# and govulncheck over every module against the offline vulnerability database in
# ../shared/vulndb (no vulnerability service is reachable here): a missing database fails
# the run rather than skipping the check. Pinned versions: scripts/versions.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

VULNDB="${FAMILYPATH_VULNDB:-$ROOT/../shared/vulndb}"
[[ -f "$VULNDB/index/db.json" ]] || die "no Go vulnerability database at $VULNDB (set FAMILYPATH_VULNDB to its folder)"
VULNDB=$(cd "$VULNDB" && pwd)

mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')
PKGS=(); for m in "${MODULES[@]}"; do PKGS+=("./$m/..."); done

STATICCHECK=$(staticcheck_bin); GOSEC=$(gosec_bin); GOVULNCHECK=$(govulncheck_bin)
"$STATICCHECK" "${PKGS[@]}" || die "staticcheck found problems"
"$STATICCHECK" -tags e2e ./e2e/... || die "staticcheck found problems in e2e"
for m in "${MODULES[@]}"; do
  (cd "$m" && "$GOSEC" -quiet -exclude-generated -fmt text ./...) || die "gosec found problems in $m"
  out=$(cd "$m" && "$GOVULNCHECK" -db "file://$VULNDB" ./... 2>&1) || { printf '%s\n' "$out" >&2; die "govulncheck: $m calls vulnerable code (update the module named above)"; }
done
log "security: staticcheck, gosec and govulncheck ($(basename "$VULNDB") of $(sed -n 's/.*as of \([0-9-]*\).*/\1/p' "$VULNDB/README.md" | head -n1)) clean"
