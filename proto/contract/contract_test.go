package contract

import "testing"

func TestFamilyWorkflowIDAcceptsOnlyOpaqueIDs(t *testing.T) {
	id, err := FamilyWorkflowID("0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e44")
	if err != nil || id != "family/0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e44" {
		t.Fatalf("got %q, %v", id, err)
	}
	for _, bad := range []string{"", "Smith Family", "jane.smith", "AB123456C", "short"} {
		if _, err := FamilyWorkflowID(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// Every service's EraseFamily activity is named as the platform registers it: <queue>.EraseFamily.
func TestEraseActivitiesAreNamedByTheirQueue(t *testing.T) {
	for queue, name := range map[string]string{QueueIdentification: ActivityIdentificationEraseFamily, QueueCase: ActivityCaseEraseFamily,
		QueueAttachment: ActivityAttachmentEraseFamily, QueueTracking: ActivityTrackingEraseFamily, QueueClaims: ActivityClaimsEraseFamily} {
		if name != queue+".EraseFamily" {
			t.Errorf("%s's erase activity is %q", queue, name)
		}
	}
}
