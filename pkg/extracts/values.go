package extracts

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxText caps free-text values; a longer value is a keying or export fault.
const maxText = 200

// field reads one column's value into a row. set returns "" when it took the value, or the
// reason it could not (never quoting the value).
type field struct {
	name     string
	person   bool // a person field or identifier: a bad value is unknown and reported, not a rejected row
	required bool
	set      func(r *Row, v string) string
}

// fieldsOf returns the feed's fields by column name.
func fieldsOf(f Feed) map[string]field {
	m := map[string]field{
		"forename": {
			name:   "forename",
			person: true,
			set:    func(r *Row, v string) string { return name(&r.Forename, v) },
		},
		"surname": {
			name:   "surname",
			person: true,
			set:    func(r *Row, v string) string { return name(&r.Surname, v) },
		},
		"dob": {
			name:   "dob",
			person: true,
			set:    func(r *Row, v string) string { return birthDate(&r.DOB, v) },
		},
		"sex": {name: "sex", person: true, set: func(r *Row, v string) string { return sex(&r.Sex, v) }},
		"address_line1": {
			name:   "address_line1",
			person: true,
			set:    func(r *Row, v string) string { return text(&r.AddressLine1, v) },
		},
		"address_line2": {
			name:   "address_line2",
			person: true,
			set:    func(r *Row, v string) string { return text(&r.AddressLine2, v) },
		},
		"town": {name: "town", person: true, set: func(r *Row, v string) string { return text(&r.Town, v) }},
		"postcode": {
			name:   "postcode",
			person: true,
			set:    func(r *Row, v string) string { return postcode(&r.Postcode, v) },
		},
		"uprn": {name: "uprn", person: true, set: func(r *Row, v string) string { return uprn(&r.UPRN, v) }},
	}
	if f.IDColumn != "" {
		check := identifierChecks[f.IDColumn]
		m[f.IDColumn] = field{
			name:   f.IDColumn,
			person: true,
			set:    func(r *Row, v string) string { return check(&r.SourceID, v) },
		}
	}
	for _, c := range f.Columns {
		m[c.Name] = field{name: c.Name, required: c.Required, set: setter(f.Name, c)}
	}
	return m
}

// setter returns how a feed column's value is read into the row.
func setter(feed string, c Column) func(*Row, string) string {
	switch c.Name {
	case "term":
		return func(r *Row, v string) string { return term(&r.Term, v) }
	case "school_urn":
		return func(r *Row, v string) string { return text(&r.SchoolURN, v) }
	case "sessions_possible":
		return func(r *Row, v string) string { return count(&r.SessionsPossible, v) }
	case "sessions_unauthorised":
		return func(r *Row, v string) string { return count(&r.SessionsUnauthorised, v) }
	case "sessions_authorised":
		return func(r *Row, v string) string { return count(&r.SessionsAuthorised, v) }
	case "fixed_term_exclusions":
		return func(r *Row, v string) string { return count(&r.FixedTermExclusions, v) }
	case "permanent_exclusion":
		return func(r *Row, v string) string { return yesNo(&r.PermanentExclusion, v) }
	case "alternative_provision":
		return func(r *Row, v string) string { return yesNo(&r.AlternativeProvision, v) }
	case "reported_on", "event_date":
		return func(r *Row, v string) string { return date(&r.EventDate, v) }
	case "start_date", "from_date":
		return func(r *Row, v string) string { return date(&r.StartDate, v) }
	case "end_date", "to_date":
		return func(r *Row, v string) string { return date(&r.EndDate, v) }
	case "account_ref":
		return func(r *Row, v string) string { return text(&r.AccountRef, v) }
	case "episode_type", "event_type", "benefit", "need", "relationship", "source":
		return func(r *Row, v string) string { return enum(&r.EventType, v, c.Enum) }
	case "role":
		return func(r *Row, v string) string { return enum(&r.Role, v, c.Enum) }
	case "uc_regime":
		return func(r *Row, v string) string { return enum(&r.UCRegime, v, c.Enum) }
	case "evidence":
		return func(r *Row, v string) string { return enum(&r.Evidence, v, c.Enum) }
	case "incident_ref":
		return func(r *Row, v string) string { return text(&r.IncidentRef, v) }
	case "team":
		return func(r *Row, v string) string { return text(&r.Team, v) }
	case "employer":
		return func(r *Row, v string) string { return text(&r.Employer, v) }
	case "hours_per_week":
		return func(r *Row, v string) string { return number(&r.HoursPerWeek, v, 168) }
	case "person_ref_a":
		return func(r *Row, v string) string { return personRef(&r.PersonRefA, v) }
	case "person_ref_b":
		return func(r *Row, v string) string { return personRef(&r.PersonRefB, v) }
	}
	panic("extracts: no reader for column " + feed + "." + c.Name) // a contract edit without its reader
}

// fixedEventType is the event type of feeds whose rows have no type column.
var fixedEventType = map[string]string{SchoolCensus: "ATTENDANCE", NotOnRoll: "NOT_ON_ROLL", Employment: "EMPLOYMENT"}

func text(dst *string, v string) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	if len(v) > maxText {
		return "is longer than " + strconv.Itoa(maxText) + " characters"
	}
	*dst = v
	return ""
}

// name reads a forename or surname: letters, spaces, hyphens and apostrophes.
func name(dst *string, v string) string {
	if r := text(dst, v); r != "" {
		return r
	}
	for _, c := range v {
		if !(c == ' ' || c == '-' || c == '\'' || c == '.' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0xC0 && c != 0xD7 && c != 0xF7) {
			*dst = ""
			return "holds characters a name does not"
		}
	}
	return ""
}

// date reads YYYY-MM-DD, a real calendar date from 1900 to 2199.
func date(dst *string, v string) string {
	if !isDate(v) {
		return "is not a date (YYYY-MM-DD)"
	}
	*dst = v
	return ""
}

func isDate(v string) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	y, ok1 := digits(v[0:4])
	m, ok2 := digits(v[5:7])
	d, ok3 := digits(v[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}

// birthDate is a date that is not after the extract's as-of date (checked by the reader).
func birthDate(dst *string, v string) string {
	if !isDate(v) {
		return "is not a possible date of birth (YYYY-MM-DD)"
	}
	*dst = v
	return ""
}

func sex(dst *string, v string) string {
	switch strings.ToUpper(v) {
	case "M", "F", "U":
		*dst = strings.ToUpper(v)
		return ""
	}
	return "is not M, F or U"
}

// postcode reads a UK postcode in any spacing and case, normalised to "PR1 2AB".
func postcode(dst *string, v string) string {
	p := strings.ToUpper(strings.ReplaceAll(v, " ", ""))
	if len(p) < 5 || len(p) > 7 {
		return "is not a UK postcode"
	}
	out, in := p[:len(p)-3], p[len(p)-3:]
	if !isUKOutward(out) || !(isDigit(in[0]) && isLetter(in[1]) && isLetter(in[2])) {
		if p != "GIR0AA" {
			return "is not a UK postcode"
		}
	}
	*dst = out + " " + in
	return ""
}

// isUKOutward: A9, A99, AA9, AA99, A9A, AA9A.
func isUKOutward(s string) bool {
	switch len(s) {
	case 2:
		return isLetter(s[0]) && isDigit(s[1])
	case 3:
		return isLetter(s[0]) && (isDigit(s[1]) && (isDigit(s[2]) || isLetter(s[2])) || isLetter(s[1]) && isDigit(s[2]))
	case 4:
		return isLetter(s[0]) && isLetter(s[1]) && isDigit(s[2]) && (isDigit(s[3]) || isLetter(s[3]))
	}
	return false
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' }

func uprn(dst *string, v string) string {
	if n, ok := digits(v); !ok || len(v) > 12 || n == 0 {
		return "is not a UPRN (1 to 12 digits)"
	}
	*dst = strings.TrimLeft(v, "0")
	return ""
}

// identifierChecks normalise and check each feed's person identifier.
var identifierChecks = map[string]func(dst *string, v string) string{
	colUPN:  upn,
	colLCS:  localID,
	colPNC:  localID,
	colNINO: nino,
	colNHS:  nhsNumber,
}

// upn: a unique pupil number, a letter and 12 characters (11 digits, then a digit or letter).
func upn(dst *string, v string) string {
	u := strings.ToUpper(v)
	if len(u) != 13 || !isLetter(u[0]) || !(isDigit(u[12]) || isLetter(u[12])) {
		return "is not a unique pupil number"
	}
	if _, ok := digits(u[1:12]); !ok {
		return "is not a unique pupil number"
	}
	*dst = u
	return ""
}

// localID: an agency's own reference (social care, police): letters, digits, / and -.
func localID(dst *string, v string) string {
	if len(v) > 32 {
		return "is not an agency reference (up to 32 letters, digits, / or -)"
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(isDigit(c) || isLetter(c) || c >= 'a' && c <= 'z' || c == '/' || c == '-') {
			return "is not an agency reference (up to 32 letters, digits, / or -)"
		}
	}
	*dst = strings.ToUpper(v)
	return ""
}

// nino: a National Insurance number, two prefix letters, six digits and A-D, in any spacing.
func nino(dst *string, v string) string {
	n := strings.ToUpper(strings.ReplaceAll(v, " ", ""))
	bad := "is not a National Insurance number"
	if len(n) != 9 || !isLetter(n[0]) || !isLetter(n[1]) || n[8] < 'A' || n[8] > 'D' {
		return bad
	}
	if _, ok := digits(n[2:8]); !ok || strings.ContainsAny(n[:1], "DFIQUV") || strings.ContainsAny(n[1:2], "DFIOQUV") {
		return bad
	}
	switch n[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return bad
	}
	*dst = n
	return ""
}

// nhsNumber: ten digits with the modulus 11 check digit, in any spacing.
func nhsNumber(dst *string, v string) string {
	n := strings.NewReplacer(" ", "", "-", "").Replace(v)
	if _, ok := digits(n); !ok || len(n) != 10 {
		return "is not an NHS number"
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(n[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 || check != int(n[9]-'0') {
		return "is not an NHS number (check digit)"
	}
	*dst = n
	return ""
}

func term(dst *string, v string) string {
	t := strings.ToUpper(v)
	if len(t) != 8 || t[4] != '-' || (t[5:] != "AUT" && t[5:] != "SPR" && t[5:] != "SUM") {
		return "is not a school term (e.g. 2016-AUT, 2017-SPR, 2017-SUM)"
	}
	if y, ok := digits(t[:4]); !ok || y < 1900 {
		return "is not a school term (e.g. 2016-AUT, 2017-SPR, 2017-SUM)"
	}
	*dst = t
	return ""
}

func count(dst *int32, v string) string {
	n, ok := digits(v)
	if !ok || len(v) > 9 {
		return "is not a whole number (0 or more)"
	}
	*dst = int32(n) // #nosec G115 -- at most 9 digits
	return ""
}

func number(dst *string, v string, most float64) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > most || strings.ContainsAny(v, "eEinfINFxX") {
		return "is not a number from 0 to " + strconv.FormatFloat(most, 'f', -1, 64)
	}
	*dst = strconv.FormatFloat(f, 'f', -1, 64)
	return ""
}

func yesNo(dst *bool, v string) string {
	switch strings.ToUpper(v) {
	case "Y":
		*dst = true
	case "N":
		*dst = false
	default:
		return "is not Y or N"
	}
	return ""
}

func enum(dst *string, v string, allowed []string) string {
	u := strings.ToUpper(v)
	for _, a := range allowed {
		if u == a {
			*dst = a
			return ""
		}
	}
	return "is not one of " + strings.Join(allowed, ", ")
}

// personRef reads "feed:identifier" naming a feed with identifiers and a well-formed one.
func personRef(dst *string, v string) string {
	feed, id, ok := strings.Cut(v, ":")
	col, known := refFeeds[strings.ToLower(feed)]
	if !ok || !known {
		return "is not a person reference (feed:identifier, e.g. school_census:<upn>)"
	}
	var norm string
	if r := identifierChecks[col](&norm, id); r != "" {
		return "names a " + col + " that " + r
	}
	*dst = strings.ToLower(feed) + ":" + norm
	return ""
}
