package outcomes

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London must load on minimal images without zoneinfo
)

// London is the programme's calendar: dates are Europe/London calendar dates.
var London = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Moment is an instant. In plan and fact files it is written as a calendar date
// (YYYY-MM-DD, midnight in Europe/London) or, for test plans' short periods, RFC 3339.
type Moment struct{ time.Time }

// ParseMoment reads a date or an RFC 3339 instant.
func ParseMoment(s string) (Moment, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseInLocation(time.DateOnly, s, London); err == nil {
		return Moment{d}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return Moment{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s)
	}
	return Moment{t}, nil
}

// Date returns midnight in London of the given calendar day.
func Date(y int, m time.Month, d int) Moment { return Moment{time.Date(y, m, d, 0, 0, 0, 0, London)} }

// String writes a London-midnight moment as a date, any other as RFC 3339 in UTC.
func (m Moment) String() string { return string(m.appendTo(make([]byte, 0, 20))) }

// londonWall is the moment's London wall clock as a UTC time: one zone lookup, after which
// Date and Clock need none (each would look the zone up again on a London time).
func (m Moment) londonWall() time.Time {
	_, offset := m.In(London).Zone()
	return m.UTC().Add(time.Duration(offset) * time.Second)
}

// appendTo appends String() to b.
func (m Moment) appendTo(b []byte) []byte {
	l := m.londonWall()
	if h, mi, s := l.Clock(); h == 0 && mi == 0 && s == 0 && l.Nanosecond() == 0 {
		if y, mo, d := l.Date(); y >= 0 && y <= 9999 {
			// #nosec G115 -- digits of a year checked to be 0 to 9999, a month and a day
			return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
				byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10))
		}
		return m.In(London).AppendFormat(b, time.DateOnly)
	}
	return m.UTC().AppendFormat(b, time.RFC3339)
}

// MarshalJSON writes String().
func (m Moment) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// UnmarshalJSON reads a date or RFC 3339 instant.
func (m *Moment) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseMoment(s)
	*m = v
	return err
}

// UnmarshalYAML reads a date or RFC 3339 instant.
func (m *Moment) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	v, err := ParseMoment(s)
	*m = v
	return err
}

// Period is a span of programme time in exactly one unit. Terms count school terms of the
// plan's calendar; minutes and seconds are allowed in test plans only.
type Period struct {
	Terms   int `yaml:"terms,omitempty"   json:"terms,omitempty"`
	Months  int `yaml:"months,omitempty"  json:"months,omitempty"`
	Weeks   int `yaml:"weeks,omitempty"   json:"weeks,omitempty"`
	Days    int `yaml:"days,omitempty"    json:"days,omitempty"`
	Minutes int `yaml:"minutes,omitempty" json:"minutes,omitempty"`
	Seconds int `yaml:"seconds,omitempty" json:"seconds,omitempty"`
}

func (p Period) units() (n int, set int) {
	for _, v := range []int{p.Terms, p.Months, p.Weeks, p.Days, p.Minutes, p.Seconds} {
		if v != 0 {
			set++
			n = v
		}
	}
	return n, set
}

// String says the period in words, e.g. "12 months".
func (p Period) String() string { return string(p.appendTo(nil)) }

// appendTo appends String() to b.
func (p Period) appendTo(b []byte) []byte {
	for _, u := range []struct {
		n    int
		name string
	}{{p.Terms, "terms"}, {p.Months, "months"}, {p.Weeks, "weeks"}, {p.Days, "days"}, {p.Minutes, "minutes"}, {p.Seconds, "seconds"}} {
		if u.n != 0 {
			return append(append(strconv.AppendInt(b, int64(u.n), 10), ' '), u.name...)
		}
	}
	return append(b, "no period"...)
}

// after returns the moment the period ends when it starts at from. Calendar units step
// in London's calendar, so a month after 2016-05-01 is 2017-... midnight whatever the clocks
// did. Terms end at the end of the n-th whole term that starts after from.
func (p Period) after(from Moment, cal Calendar) (Moment, bool) {
	l := from.In(London)
	switch {
	case p.Months != 0:
		return Moment{l.AddDate(0, p.Months, 0)}, true
	case p.Weeks != 0:
		return Moment{l.AddDate(0, 0, 7*p.Weeks)}, true
	case p.Days != 0:
		return Moment{l.AddDate(0, 0, p.Days)}, true
	case p.Minutes != 0:
		return Moment{from.Add(time.Duration(p.Minutes) * time.Minute)}, true
	case p.Seconds != 0:
		return Moment{from.Add(time.Duration(p.Seconds) * time.Second)}, true
	case p.Terms != 0:
		return cal.endOfNthTermAfter(from, p.Terms)
	}
	return from, true
}

// before returns the moment the period started if it ends at to (for look-back windows).
// Terms look back to the start of the n-th latest term that began before to.
func (p Period) before(to Moment, cal Calendar) Moment {
	l := to.In(London)
	switch {
	case p.Months != 0:
		return Moment{l.AddDate(0, -p.Months, 0)}
	case p.Weeks != 0:
		return Moment{l.AddDate(0, 0, -7*p.Weeks)}
	case p.Days != 0:
		return Moment{l.AddDate(0, 0, -p.Days)}
	case p.Minutes != 0:
		return Moment{to.Add(-time.Duration(p.Minutes) * time.Minute)}
	case p.Seconds != 0:
		return Moment{to.Add(-time.Duration(p.Seconds) * time.Second)}
	case p.Terms != 0:
		return cal.startOfNthTermBefore(to, p.Terms)
	}
	return to
}
