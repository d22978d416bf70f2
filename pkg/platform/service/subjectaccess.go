package service

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
)

// SubjectAccess is where a service holds data about a person and their families; the service
// then has the command subject-access (docs/data-protection.md, "Subject access").
type SubjectAccess struct {
	// Find, for a service that holds identities, finds the person by the request's identity:
	// it adds the programme's ids of the people and families it finds to the subject, and
	// the sections only it can build (rows found by opening sealed identities) to the export.
	Find func(ctx context.Context, d *Deps, s *subjectaccess.Subject, e *subjectaccess.Export) error
	// Sources are the service's tables about the subject's families and people.
	Sources []subjectaccess.Source
}

// idList is a flag given once or more, each a comma-separated list.
type idList []string

func (l *idList) String() string { return strings.Join(*l, ",") }

func (l *idList) Set(v string) error {
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*l = append(*l, id)
		}
	}
	return nil
}

// subjectAccessCommand is `<service> subject-access`: the service's part of a subject access
// request as JSON on standard output, recorded in its audit trail (who asked, the reference,
// how many rows; never whom it was about).
func subjectAccessCommand(def Definition) Command {
	return Command{
		Summary: "export everything the service holds about one person and their families (a subject access request), as JSON",
		Needs:   Needs{DB: true, PersonalData: def.PersonalData},
		Run: func(ctx context.Context, d *Deps, args []string, report io.Writer) error {
			return ExportSubject(ctx, def, d, args, os.Stdout, report)
		},
	}
}

// ExportSubject runs subject-access with args, writing the export to out and what it did to
// report.
func ExportSubject(ctx context.Context, def Definition, d *Deps, args []string, out, report io.Writer) error {
	var s subjectaccess.Subject
	fs := flag.NewFlagSet("subject-access", flag.ContinueOnError)
	fs.SetOutput(report)
	fs.StringVar(&s.RequestedBy, "requested-by", "", "who runs the export (recorded)")
	fs.StringVar(&s.Reference, "reference", "", "the request's reference, e.g. SAR-2026-0042 (recorded)")
	fs.StringVar(
		&s.SourceID,
		"source-id",
		"",
		"the person's identifier in an agency's feed (UPN, LCS id, PNC id, NINO, NHS number)",
	)
	fs.StringVar(&s.Surname, "surname", "", "the person's surname (with --dob)")
	fs.StringVar(&s.DOB, "dob", "", "the person's date of birth, YYYY-MM-DD (with --surname)")
	fs.Var(
		(*idList)(&s.PersonIDs),
		"person-id",
		"the person's id in the programme, as identification's or case's export lists it (repeat or comma-separate)",
	)
	fs.Var(
		(*idList)(&s.FamilyIDs),
		"family-id",
		"a family's id in the programme, as identification's or case's export lists it (repeat or comma-separate)",
	)
	timeout := fs.Duration(
		"timeout",
		time.Hour,
		"give up after this long (the export reads every sealed identity; about 2 s a million rows)",
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := s.Check(); err != nil {
		return err
	}
	sa := def.SubjectAccess
	if sa.Find == nil && len(s.PersonIDs) == 0 && len(s.FamilyIDs) == 0 {
		return fmt.Errorf(
			"%s holds no names or identifiers: give the --person-id and --family-id that identification's and case's exports list",
			def.Name,
		)
	}
	e := subjectaccess.Export{
		Reference:   s.Reference,
		Service:     def.Name,
		GeneratedAt: time.Now().UTC(),
		Sections:    map[string]subjectaccess.Rows{},
	}
	if sa.Find != nil && s.ByIdentity() {
		if err := sa.Find(ctx, d, &s, &e); err != nil {
			return err
		}
	}
	if err := subjectaccess.Collect(ctx, d.DB, d.Settings.FieldKeys, d.Audit.Schema, sa.Sources, &s, &e); err != nil {
		return err
	}
	e.Subject.PersonIDs, e.Subject.FamilyIDs = subjectaccess.OrEmpty(s.PersonIDs), subjectaccess.OrEmpty(s.FamilyIDs)
	summary := fmt.Sprintf(
		"%d rows in %d sections about %d people and %d families exported",
		e.Rows(),
		len(e.Sections),
		len(s.PersonIDs),
		len(s.FamilyIDs),
	)
	if _, err := d.Audit.Append(ctx, audit.Event{Actor: s.RequestedBy, Action: "subject-access.export", ResourceType: "subject-access-request",
		ResourceID: s.Reference, Outcome: audit.Allowed, Reason: summary}); err != nil {
		return err // no unrecorded export
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&e); err != nil {
		return err
	}
	fmt.Fprintf(report, "subject access %s: %s\n", s.Reference, summary)
	if sa.Find != nil && s.ByIdentity() && len(s.FamilyIDs)+len(s.PersonIDs) > 0 {
		fmt.Fprintf(
			report,
			"the other services' parts: <service> subject-access --reference %s --requested-by %s --family-id %s --person-id %s\n",
			s.Reference,
			s.RequestedBy,
			strings.Join(s.FamilyIDs, ","),
			strings.Join(s.PersonIDs, ","),
		)
	}
	return nil
}
