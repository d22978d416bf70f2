package deploytest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// KubeVersion is the Kubernetes version the chart is rendered for.
const KubeVersion = "1.31.0"

// object is one decoded manifest.
type object struct {
	Kind, Name, Source string
	Value              any
}

// operatorObject is what every Prometheus Operator object the chart renders starts with.
type operatorObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
}

// prometheusRule is the part of the Prometheus Operator's CRD the chart uses.
type prometheusRule struct {
	operatorObject
	Spec struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

// podMonitor is the part of the Prometheus Operator's CRD the chart uses.
type podMonitor struct {
	operatorObject
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		PodMetricsEndpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"podMetricsEndpoints"`
	} `json:"spec"`
}

func newOf(kind string) (any, error) {
	switch kind {
	case "Deployment":
		return &appsv1.Deployment{}, nil
	case "Service":
		return &corev1.Service{}, nil
	case "ServiceAccount":
		return &corev1.ServiceAccount{}, nil
	case "ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "Secret":
		return &corev1.Secret{}, nil
	case "Job":
		return &batchv1.Job{}, nil
	case "CronJob":
		return &batchv1.CronJob{}, nil
	case "HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, nil
	case "PrometheusRule":
		return &prometheusRule{}, nil
	case "PodMonitor":
		return &podMonitor{}, nil
	}
	return nil, fmt.Errorf("kind %q is not one this deployment should contain", kind)
}

// decodeAll strictly decodes a multi-document YAML stream: unknown fields, wrong types and
// duplicate keys are errors.
func decodeAll(t *testing.T, source string, stream []byte) []object {
	t.Helper()
	var out []object
	for i, doc := range bytes.Split(stream, []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Errorf("%s document %d: %v", source, i, err)
			continue
		}
		v, err := newOf(head.Kind)
		if err != nil {
			t.Errorf("%s document %d (%s): %v", source, i, head.Metadata.Name, err)
			continue
		}
		if err := yaml.UnmarshalStrict(doc, v); err != nil {
			t.Errorf("%s %s/%s: %v", source, head.Kind, head.Metadata.Name, err)
			continue
		}
		out = append(out, object{Kind: head.Kind, Name: head.Metadata.Name, Source: source, Value: v})
	}
	return out
}

func stripComments(doc []byte) []byte {
	var keep [][]byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			keep = append(keep, l)
		}
	}
	return bytes.Join(keep, []byte("\n"))
}

// repo returns the repository's root (the folder above this module).
func repo(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// helm runs the pinned helm (HELM, set by `make test`).
func helm(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := os.Getenv("HELM")
	if bin == "" {
		t.Fatal("HELM is not set: run through `make test`, which installs the pinned helm and sets it")
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// podSpecs returns every pod template with where it came from.
func podSpecs(objs []object) map[string]*corev1.PodSpec {
	out := map[string]*corev1.PodSpec{}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			out["Deployment/"+o.Name] = &v.Spec.Template.Spec
		case *batchv1.Job:
			out["Job/"+o.Name] = &v.Spec.Template.Spec
		case *batchv1.CronJob:
			out["CronJob/"+o.Name] = &v.Spec.JobTemplate.Spec.Template.Spec
		}
	}
	return out
}
