package deploytest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
	appsv1 "k8s.io/api/apps/v1"
)

// tiltRun records what the Tiltfile asked Tilt to do.
type tiltRun struct {
	t         *testing.T
	dir       string // the Tiltfile's folder: paths are relative to it
	paths     []string
	images    []string
	resources map[string]bool // names k8s_resource may use
	declared  map[string]bool // local_resource names
	deps      []string
	k8sNames  []string
}

func (r *tiltRun) path(p string) {
	if !strings.Contains(p, ".run/") { // build output, made by the build resource
		r.paths = append(r.paths, p)
	}
}

func (r *tiltRun) strings(v starlark.Value) []string {
	switch x := v.(type) {
	case starlark.String:
		return []string{string(x)}
	case *starlark.List:
		var out []string
		for i := 0; i < x.Len(); i++ {
			out = append(out, r.strings(x.Index(i))...)
		}
		return out
	}
	return nil
}

func kw(kwargs []starlark.Tuple, name string) starlark.Value {
	for _, p := range kwargs {
		if string(p[0].(starlark.String)) == name {
			return p[1]
		}
	}
	return starlark.None
}

func arg(args starlark.Tuple, kwargs []starlark.Tuple, i int, name string) starlark.Value {
	if i < len(args) {
		return args[i]
	}
	return kw(kwargs, name)
}

func (r *tiltRun) builtins() starlark.StringDict {
	b := func(name string, fn func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin(
			name,
			func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
				return fn(args, kwargs)
			},
		)
	}
	return starlark.StringDict{
		"local_resource": b(
			"local_resource",
			func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
				r.declared[r.strings(arg(args, kwargs, 0, "name"))[0]] = true
				for _, d := range r.strings(kw(kwargs, "deps")) {
					r.path(d)
				}
				return starlark.None, nil
			},
		),
		"k8s_yaml": b("k8s_yaml", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if blob, ok := args[0].(*starlarkstruct.Struct); ok { // helm() output
				names, _ := blob.Attr("deployments")
				for _, n := range r.strings(names) {
					r.resources[n] = true
				}
				return starlark.None, nil
			}
			for _, p := range r.strings(args[0]) {
				r.path(p)
				r.k8sDeployments(p)
			}
			return starlark.None, nil
		}),
		"helm": b("helm", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			chart := r.strings(args[0])[0]
			r.path(chart)
			cmd := []string{
				"template",
				r.strings(kw(kwargs, "name"))[0],
				filepath.Join(r.dir, chart),
				"--kube-version",
				KubeVersion,
			}
			for _, v := range r.strings(kw(kwargs, "values")) {
				r.path(v)
				cmd = append(cmd, "-f", filepath.Join(r.dir, v))
			}
			for _, s := range r.strings(kw(kwargs, "set")) {
				cmd = append(cmd, "--set", s)
			}
			var deployments []starlark.Value
			for _, o := range decodeAll(r.t, "Tiltfile helm()", helm(r.t, cmd...)) {
				if d, ok := o.Value.(*appsv1.Deployment); ok {
					deployments = append(deployments, starlark.String(o.Name))
					for _, c := range d.Spec.Template.Spec.Containers {
						r.images = append(r.images, "chart:"+strings.SplitN(c.Image, ":", 2)[0])
					}
				}
			}
			return starlarkstruct.FromStringDict(
				starlark.String("blob"),
				starlark.StringDict{"deployments": starlark.NewList(deployments)},
			), nil
		}),
		"k8s_resource": b("k8s_resource", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			r.k8sNames = append(r.k8sNames, r.strings(arg(args, kwargs, 0, "workload"))[0])
			r.deps = append(r.deps, r.strings(kw(kwargs, "resource_deps"))...)
			return starlark.None, nil
		}),
		"sync": b("sync", func(args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			r.path(r.strings(args[0])[0])
			return starlark.None, nil
		}),
		"link": b("link", func(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) { return starlark.None, nil }),
	}
}

func (r *tiltRun) k8sDeployments(p string) {
	b, err := os.ReadFile(filepath.Join(r.dir, p))
	if err != nil {
		return // reported by the path check
	}
	for _, o := range decodeAll(r.t, p, b) {
		if o.Kind == "Deployment" {
			r.resources[o.Name] = true
		}
	}
}

func (r *tiltRun) load(_ *starlark.Thread, module string) (starlark.StringDict, error) {
	if module != "ext://restart_process" {
		return nil, fmt.Errorf("the Tiltfile loads %s, which this check does not know", module)
	}
	return starlark.StringDict{"docker_build_with_restart": starlark.NewBuiltin(
		"docker_build_with_restart",
		func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			r.images = append(r.images, "built:"+r.strings(args[0])[0])
			for _, lu := range []string{"context"} {
				r.path(r.strings(kw(kwargs, lu))[0])
			}
			return starlark.None, nil
		},
	)}, nil
}

// The Tiltfile runs under a Starlark interpreter with Tilt's builtins stubbed: every path it
// names exists, every image it builds is one the chart deploys (and the reverse), and every
// resource it configures or depends on exists.
func TestTiltfile(t *testing.T) {
	dir := filepath.Join(repo(t), "tilt")
	r := &tiltRun{t: t, dir: dir, resources: map[string]bool{}, declared: map[string]bool{}}
	src, err := os.ReadFile(filepath.Join(dir, "Tiltfile"))
	if err != nil {
		t.Fatal(err)
	}
	thread := &starlark.Thread{Name: "Tiltfile", Load: r.load}
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}
	if _, err := starlark.ExecFileOptions(opts, thread, "Tiltfile", src, r.builtins()); err != nil {
		t.Fatalf("Tiltfile: %v", err)
	}
	for _, p := range r.paths {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("the Tiltfile names %s, which does not exist", p)
		}
	}
	var built, deployed []string
	for _, i := range r.images {
		if s, ok := strings.CutPrefix(i, "built:"); ok {
			built = append(built, s)
		} else {
			deployed = append(deployed, strings.TrimPrefix(i, "chart:"))
		}
	}
	slices.Sort(built)
	deployed = slices.Compact(slices.Sorted(slices.Values(deployed)))
	if !slices.Equal(built, deployed) || len(built) != len(binaries(t)) {
		t.Errorf("images built %v, deployed by the chart %v, binaries %v", built, deployed, binaries(t))
	}
	for _, n := range r.k8sNames {
		if !r.resources[n] {
			t.Errorf("k8s_resource(%q): no such workload", n)
		}
	}
	for _, d := range r.deps {
		if !r.resources[d] && !r.declared[d] {
			t.Errorf("resource_deps names %q, which the Tiltfile does not define", d)
		}
	}
	if len(r.k8sNames) < 14 {
		t.Errorf("only %d k8s_resource calls; want every component and dependency labelled", len(r.k8sNames))
	}
}
