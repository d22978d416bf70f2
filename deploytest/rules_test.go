package deploytest

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// restricted returns how a pod breaks the Pod Security Standards "restricted" profile
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
func restricted(p *corev1.PodSpec) []string {
	var bad []string
	if p.HostNetwork || p.HostPID || p.HostIPC {
		bad = append(bad, "host namespaces")
	}
	psc := p.SecurityContext
	podNonRoot := psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot
	podSeccomp := psc != nil && psc.SeccompProfile != nil &&
		psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault
	if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
		bad = append(bad, "pod runs as uid 0")
	}
	for _, v := range p.Volumes {
		if v.HostPath != nil {
			bad = append(bad, "hostPath volume "+v.Name)
		}
	}
	for _, c := range append(slices.Clone(p.InitContainers), p.Containers...) {
		sc := c.SecurityContext
		where := "container " + c.Name + ": "
		if sc == nil {
			bad = append(bad, where+"no securityContext")
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			bad = append(bad, where+"privileged")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			bad = append(bad, where+"allowPrivilegeEscalation is not false")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			bad = append(bad, where+"capabilities do not drop ALL")
		} else {
			for _, a := range sc.Capabilities.Add {
				if a != "NET_BIND_SERVICE" {
					bad = append(bad, where+"adds capability "+string(a))
				}
			}
		}
		if !podNonRoot && (sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
			bad = append(bad, where+"runAsNonRoot is not true")
		}
		if !podSeccomp &&
			(sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
			bad = append(bad, where+"seccomp profile is not RuntimeDefault")
		}
		for _, port := range c.Ports {
			if port.HostPort != 0 {
				bad = append(bad, where+"hostPort")
			}
		}
	}
	return bad
}

// houseRules returns how a pod breaks this project's own rules.
func houseRules(p *corev1.PodSpec, long bool) []string {
	var bad []string
	if p.AutomountServiceAccountToken == nil || *p.AutomountServiceAccountToken {
		bad = append(bad, "service account token is mounted")
	}
	for _, c := range p.Containers {
		where := "container " + c.Name + ": "
		if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil ||
			!*c.SecurityContext.ReadOnlyRootFilesystem {
			bad = append(bad, where+"root filesystem is writable")
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[r]; !ok {
				bad = append(bad, fmt.Sprintf("%sno %s request", where, r))
			}
			if _, ok := c.Resources.Limits[r]; !ok {
				bad = append(bad, fmt.Sprintf("%sno %s limit", where, r))
			}
		}
		if i := strings.LastIndex(c.Image, ":"); i < 0 || strings.HasSuffix(c.Image, ":latest") ||
			strings.Contains(c.Image[i:], "/") {
			bad = append(bad, where+"image "+c.Image+" has no pinned tag")
		}
		if long && (c.LivenessProbe == nil || c.ReadinessProbe == nil) {
			bad = append(bad, where+"missing liveness or readiness probe")
		}
		for _, e := range c.Env {
			if e.Value != "" && isSecretSetting(e.Name) {
				bad = append(bad, where+e.Name+" is a literal value, not a Secret reference")
			}
		}
	}
	return bad
}

func isSecretSetting(name string) bool {
	return name == "DATABASE_URL" || name == "REDIS_URL" || name == "TEMPORAL_API_KEY"
}
