package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainTextAndJSON(t *testing.T) {
	fam := filepath.Join("..", "..", "testdata", "family-cp-plan.json")
	var out bytes.Buffer
	if err := run([]string{"explain", "--plan", "lancashire-phase2@1", "--at", "2017-05-01", fam}, nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CHILDREN_NEED_HELP", "SUSTAINED", "SSP achieved on 2017-05-01", "POSSIBLE_MOVE_TO_UC_EVIDENCE_OF_WORK_NEEDED"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run([]string{"explain", "--plan", "lancashire-phase2", "--at", "2016-06-01", "--json", fam}, nil, &out); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Plan   struct{ ID, Hash string }
		Result struct {
			EarliestClaimAt string `json:"earliest_claim_at"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &j); err != nil || j.Plan.ID != "lancashire-phase2" ||
		j.Result.EarliestClaimAt != "2017-05-01" {
		t.Errorf("json: %v %+v\n%s", err, j, out.String())
	}
}

func TestCheckReportsLocatedErrors(t *testing.T) {
	t.Setenv("FAMILYPATH_PLANS_DIR", "") // the shipped plans alone (the local stack adds the demo plan's folder)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: Bad Plan\nversion: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"check", bad}, nil, &out); err == nil || !strings.Contains(out.String(), "bad.yaml:1: id:") {
		t.Errorf("check: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run([]string{"check"}, nil, &out); err != nil || strings.Count(out.String(), "ok ") != 2 {
		t.Errorf("check shipped: %v\n%s", err, out.String())
	}
	if err := run([]string{"explain", "--plan", "nope", "--at", "2016-01-01", "x.json"}, nil, &out); err == nil {
		t.Error("unknown plan accepted")
	}
}
