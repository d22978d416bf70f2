//go:build e2e

package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
)

// The operator runbook's CLI commands work as written: every `temporal` command in the sh
// blocks of docs/runbook.md runs against the running stack with the environment the page's
// setup block gives (the pinned CLI, the stack's address and namespace, the codec server and
// an administrator's token), exits 0, and prints decoded payloads, never ciphertext (except
// the history exported for replay, which stays encrypted on purpose).
func TestTheRunbooksCommandsWork(t *testing.T) {
	setup, commands := runbookCommands(t, filepath.Join("..", "docs", "runbook.md"))
	for _, v := range []string{"TEMPORAL_CLI", "TEMPORAL_CODEC_ENDPOINT=\"$CODEC_URL\"", "TEMPORAL_CODEC_AUTH=\"Bearer", "make -s token ROLE=administrator"} {
		if !strings.Contains(setup, v) {
			t.Errorf("the runbook's setup block no longer says %s: keep it and this test's environment alike", v)
		}
	}
	if len(commands) < 10 {
		t.Fatalf("only %d temporal commands found in the runbook", len(commands))
	}
	fam := recordFamily(t, `{"plan_id":"e2e-seconds",`+protectionEvidence("", instant()))
	admin := auth.Principal{Subject: "e2e.operator", Roles: []string{auth.RoleAdministrator}}
	environ := append(
		os.Environ(),
		"PATH="+filepath.Dir(env(t, "TEMPORAL_CLI"))+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TEMPORAL_CODEC_ENDPOINT="+env(t, "CODEC_URL"),
		"TEMPORAL_CODEC_AUTH=Bearer "+token(t, admin),
		"FAMILY_ID="+fam.ID,
		"PLAN=e2e-seconds",
		"WINDOW=e2e-later",
	)
	run := func(command string) (string, error) {
		cmd := exec.Command("bash", "-c", command)
		cmd.Dir, cmd.Env = t.TempDir(), environ
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// The new family's search attributes reach visibility within moments.
	phaseQuery := `temporal workflow list --query 'WorkflowType="FamilyLifecycle" AND FamilyPhase="FAMILY_PHASE_IDENTIFIED"'`
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if out, err := run(phaseQuery); err == nil && strings.Contains(out, fam.WorkflowID) {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the runbook's phase query never listed the identified family: %v\n%s", err, out)
		}
	}
	ran := map[string]bool{}
	for _, c := range commands {
		out, err := run(c)
		if err != nil {
			t.Errorf("%s\nfailed: %v\n%s", c, err, out)
			continue
		}
		words := strings.Fields(strings.TrimPrefix(c, "TEMPORAL_CODEC_ENDPOINT= "))
		ran[words[1]+" "+words[2]] = true
		if !strings.HasPrefix(c, "TEMPORAL_CODEC_ENDPOINT= ") && strings.Contains(out, "binary/encrypted") {
			t.Errorf("%s\nprinted ciphertext: the codec settings did not reach it", c)
		}
		if strings.Contains(c, "--type family-state") && !strings.Contains(out, "FAMILY_PHASE_IDENTIFIED") {
			t.Errorf("%s\ndid not print the family's phase:\n%s", c, out)
		}
	}
	for _, want := range []string{"workflow list", "workflow query", "workflow show", "task-queue describe", "schedule describe"} {
		if !ran[want] {
			t.Errorf("the runbook has no working `temporal %s` command", want)
		}
	}
}

// runbookCommands reads the runbook's sh blocks: the first is the setup, answered whole; the
// `temporal` commands of the others are answered one by one (a line ending in \ continues).
func runbookCommands(t *testing.T, path string) (string, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var setup strings.Builder
	var commands []string
	blocks, in, pending := 0, false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !in && line == "```sh":
			in, blocks = true, blocks+1
		case in && line == "```":
			in = false
		case in && blocks == 1:
			setup.WriteString(line + "\n")
		case in:
			if pending != "" || strings.HasPrefix(line, "temporal ") ||
				strings.HasPrefix(line, "TEMPORAL_CODEC_ENDPOINT= temporal ") {
				pending += strings.TrimSuffix(line, "\\")
				if !strings.HasSuffix(line, "\\") {
					commands, pending = append(commands, pending), ""
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return setup.String(), commands
}
