package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// guideExample is the schedule printed in the guide.
const guideExample = `{
  "daily_tests": {
    "model_subset": "high_priority",
    "hardware_platforms": ["cpu", "cuda"],
    "run_time": "01:00",
    "notification_email": "ml-alerts@example.com"
  },
  "weekly_tests": {
    "model_subset": "all",
    "hardware_platforms": ["cpu", "cuda", "rocm", "openvino"],
    "run_time": "Saturday 02:00",
    "notification_email": "ml-alerts@example.com",
    "generate_report": true
  },
  "monthly_tests": {
    "model_subset": "all",
    "hardware_platforms": "all",
    "run_time": "1st 03:00",
    "notification_email": "ml-alerts@example.com",
    "generate_report": true,
    "update_dashboard": true
  }
}`

func TestParseGuideExample(t *testing.T) {
	s, err := Parse([]byte(guideExample))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, cron, hw string
		flags          string
	}{
		{"daily_tests", "0 1 * * *", "cpu,cuda", "--priority high --hardware cpu,cuda"},
		{"weekly_tests", "0 2 * * 6", "cpu,cuda,rocm,openvino", "--all-models --hardware cpu,cuda,rocm,openvino"},
		{"monthly_tests", "0 3 1 * *", "all", "--all-models --hardware all"},
	}
	if len(s.Entries) != len(want) {
		t.Fatalf("got %d entries, want %d", len(s.Entries), len(want))
	}
	for i, w := range want {
		e := s.Entries[i]
		if e.Name != w.name || e.When.Cron() != w.cron || e.HardwareArg() != w.hw || strings.Join(e.Flags(), " ") != w.flags {
			t.Errorf("entry %d = %s %q %q %q; want %s %q %q %q", i, e.Name, e.When.Cron(), e.HardwareArg(), e.Flags(), w.name, w.cron, w.hw, w.flags)
		}
	}
	if !s.Entries[2].UpdateDashboard || !s.Entries[1].GenerateReport || s.Entries[0].GenerateReport {
		t.Errorf("booleans not read: %+v", s.Entries)
	}
}

func TestDefaultRoundTrips(t *testing.T) {
	b, err := Default("").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != guideExample+"\n" {
		t.Errorf("Default().Marshal() differs from the guide's example:\n%s", b)
	}
	s, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := s.Marshal()
	if string(b2) != string(b) {
		t.Errorf("round trip changed the file:\n%s", b2)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	entry := func(body string) string { return `{"nightly": {` + body + `}}` }
	ok := `"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "01:00"`
	tests := []struct {
		in, field, msg string
	}{
		{`[]`, "", "want a JSON object"},
		{`{`, "", "not JSON"},
		{`{}`, "", "no entries"},
		{`{"a": {` + ok + `}} {}`, "", "text after"},
		{entry(ok + `, "cores": 8`), "nightly.cores", "unknown field"},
		{entry(`"model_subset": 3, "hardware_platforms": ["cpu"], "run_time": "01:00"`), "nightly.model_subset", "want a string"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "01:00", "generate_report": "yes"`), "nightly.generate_report", "want true or false"},
		{entry(`"model_subset": "some", "hardware_platforms": ["cpu"], "run_time": "01:00"`), "nightly.model_subset", "not a model subset"},
		{entry(`"model_subset": "top:x", "hardware_platforms": ["cpu"], "run_time": "01:00"`), "nightly.model_subset", "top:N"},
		{entry(`"model_subset": "category:", "hardware_platforms": ["cpu"], "run_time": "01:00"`), "nightly.model_subset", "nothing after"},
		{entry(`"hardware_platforms": ["cpu"], "run_time": "01:00"`), "nightly.model_subset", "missing"},
		{entry(`"model_subset": "all", "run_time": "01:00"`), "nightly.hardware_platforms", "missing"},
		{entry(`"model_subset": "all", "hardware_platforms": "every", "run_time": "01:00"`), "nightly.hardware_platforms", `"every"`},
		{entry(`"model_subset": "all", "hardware_platforms": [], "run_time": "01:00"`), "nightly.hardware_platforms", "empty"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu", "cpu"], "run_time": "01:00"`), "nightly.hardware_platforms", "twice"},
		{entry(`"model_subset": "all", "hardware_platforms": ["CPU x"], "run_time": "01:00"`), "nightly.hardware_platforms", "not a platform key"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu", "all"], "run_time": "01:00"`), "nightly.hardware_platforms", "goes alone"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu"]`), "nightly.run_time", "missing"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "1am"`), "nightly.run_time", "HH:MM"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "24:00"`), "nightly.run_time", "HH:MM"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "Caturday 02:00"`), "nightly.run_time", "neither a weekday"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "2st 02:00"`), "nightly.run_time", "not a day of the month"},
		{entry(`"model_subset": "all", "hardware_platforms": ["cpu"], "run_time": "32nd 02:00"`), "nightly.run_time", "not a day of the month"},
		{entry(ok + `, "notification_email": "nobody"`), "nightly.notification_email", "not an email"},
		{`{"a b": {` + ok + `}}`, "a b", "entry name"},
		{`{"a": {` + ok + `}, "a": {` + ok + `}}`, "a", "twice"},
		{`{"a": {` + ok + `}, "b": {` + ok + `}}`, "b.run_time", "same time as a"},
		{`{"a": 3}`, "a", "want an object"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("Parse(%s) = %v, want a *FieldError", tt.in, err)
			continue
		}
		if fe.Field != tt.field || !strings.Contains(err.Error(), tt.msg) || fe.Hint == "" || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%s) = field %q: %v (hint %q); want field %q and %q", tt.in, fe.Field, err, fe.Hint, tt.field, tt.msg)
		}
	}
}

func TestParseRunTime(t *testing.T) {
	tests := []struct{ in, cron, str string }{
		{"01:00", "0 1 * * *", "daily at 01:00 UTC"},
		{"7:05", "5 7 * * *", "daily at 07:05 UTC"},
		{"23:59 UTC", "59 23 * * *", "daily at 23:59 UTC"},
		{"Saturday 02:00", "0 2 * * 6", "weekly on Saturday at 02:00 UTC"},
		{"sun 00:30", "30 0 * * 0", "weekly on Sunday at 00:30 UTC"},
		{"1st 03:00", "0 3 1 * *", "monthly on the 1st at 03:00 UTC"},
		{"22nd 03:00", "0 3 22 * *", "monthly on the 22nd at 03:00 UTC"},
		{"13th 03:00", "0 3 13 * *", "monthly on the 13th at 03:00 UTC"},
		{"31st 12:00", "0 12 31 * *", "monthly on the 31st at 12:00 UTC"},
	}
	for _, tt := range tests {
		w, err := ParseRunTime(tt.in)
		if err != nil {
			t.Errorf("ParseRunTime(%q): %v", tt.in, err)
			continue
		}
		if w.Cron() != tt.cron || w.String() != tt.str {
			t.Errorf("ParseRunTime(%q) = %q, %q; want %q, %q", tt.in, w.Cron(), w, tt.cron, tt.str)
		}
	}
	for _, bad := range []string{"", "Saturday", "Saturday 02:00 extra", "11th1 02:00", "12st 02:00", "0th 01:00", "1:0"} {
		if _, err := ParseRunTime(bad); err == nil {
			t.Errorf("ParseRunTime(%q) succeeded", bad)
		}
	}
}

func ts(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLastNext(t *testing.T) {
	tests := []struct {
		runTime, at, last, next string
	}{
		{"01:00", "2026-03-07 00:59", "2026-03-06 01:00", "2026-03-07 01:00"},
		{"01:00", "2026-03-07 01:00", "2026-03-07 01:00", "2026-03-08 01:00"},
		{"Saturday 02:00", "2026-03-07 02:30", "2026-03-07 02:00", "2026-03-14 02:00"}, // 2026-03-07 is a Saturday
		{"Saturday 02:00", "2026-03-07 01:30", "2026-02-28 02:00", "2026-03-07 02:00"},
		{"Saturday 02:00", "2026-03-09 12:00", "2026-03-07 02:00", "2026-03-14 02:00"},
		{"1st 03:00", "2026-03-01 04:00", "2026-03-01 03:00", "2026-04-01 03:00"},
		{"1st 03:00", "2026-01-01 02:00", "2025-12-01 03:00", "2026-01-01 03:00"},
		{"31st 03:00", "2026-04-15 00:00", "2026-03-31 03:00", "2026-05-31 03:00"}, // April has no 31st
		{"29th 03:00", "2026-03-01 00:00", "2026-01-29 03:00", "2026-03-29 03:00"}, // nor February 2026 a 29th
	}
	for _, tt := range tests {
		w, err := ParseRunTime(tt.runTime)
		if err != nil {
			t.Fatal(err)
		}
		at := ts(tt.at)
		if got := w.Last(at); !got.Equal(ts(tt.last)) {
			t.Errorf("%q.Last(%s) = %s, want %s", tt.runTime, tt.at, got, tt.last)
		}
		if got := w.Next(at); !got.Equal(ts(tt.next)) {
			t.Errorf("%q.Next(%s) = %s, want %s", tt.runTime, tt.at, got, tt.next)
		}
	}
	// Another time zone is converted to UTC first: 01:30 CET is 00:30 UTC.
	w, _ := ParseRunTime("01:00")
	berlin := time.FixedZone("CET", 3600)
	if got := w.Last(time.Date(2026, 3, 7, 1, 30, 0, 0, berlin)); !got.Equal(ts("2026-03-06 01:00")) {
		t.Errorf("Last in CET = %s", got)
	}
}

func TestDue(t *testing.T) {
	s, err := Parse([]byte(guideExample))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ at, want string }{
		{"2026-03-05 01:10", "daily_tests"},   // Thursday
		{"2026-03-05 06:59", "daily_tests"},   // late start, still in the window
		{"2026-03-07 01:10", "daily_tests"},   // Saturday, before the weekly run
		{"2026-03-07 02:10", "weekly_tests"},  // Saturday after 02:00: weekly fired last
		{"2026-04-01 03:05", "monthly_tests"}, // the 1st
		{"2026-04-01 01:30", "daily_tests"},
		{"2026-03-05 12:00", ""}, // nothing due
	}
	for _, tt := range tests {
		e, err := s.Due(ts(tt.at), 0)
		switch {
		case tt.want == "":
			var nd *NotDueError
			if !errors.As(err, &nd) || nd.Next.Name != "daily_tests" || !nd.When.Equal(ts("2026-03-06 01:00")) {
				t.Errorf("Due(%s) = %v, %v; want nothing due, next daily_tests", tt.at, e.Name, err)
			}
		case err != nil || e.Name != tt.want:
			t.Errorf("Due(%s) = %q, %v; want %q", tt.at, e.Name, err, tt.want)
		}
	}
	// Same minute, different cadences: the broader wins.
	tie, err := Parse([]byte(`{"d": {"model_subset": "key", "hardware_platforms": ["cpu"], "run_time": "03:00"},
		"m": {"model_subset": "all", "hardware_platforms": "all", "run_time": "1st 03:00 UTC"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := tie.Due(ts("2026-04-01 03:01"), time.Hour); err != nil || e.Name != "m" {
		t.Errorf("tie: got %q, %v; want m", e.Name, err)
	}
}

func TestPickAndSelect(t *testing.T) {
	s, _ := Parse([]byte(guideExample))
	for which, want := range map[string]string{
		"daily_tests": "daily_tests", "daily": "daily_tests", "weekly": "weekly_tests",
		"0 3 1 * *": "monthly_tests", " 0  2 * * 6 ": "weekly_tests", "monthly": "monthly_tests",
	} {
		e, err := s.Pick(which)
		if err != nil || e.Name != want {
			t.Errorf("Pick(%q) = %q, %v; want %q", which, e.Name, err, want)
		}
	}
	_, err := s.Pick("hourly")
	var ue *UnknownEntryError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "daily_tests, weekly_tests, monthly_tests") {
		t.Errorf("Pick(hourly) = %v", err)
	}
	if e, err := s.Select("", ts("2026-03-07 02:10")); err != nil || e.Name != "weekly_tests" {
		t.Errorf("Select due = %q, %v", e.Name, err)
	}
	if e, err := s.Select("daily", ts("2026-03-07 02:10")); err != nil || e.Name != "daily_tests" {
		t.Errorf("Select daily = %q, %v", e.Name, err)
	}
}

func TestSubsetFlags(t *testing.T) {
	for in, want := range map[string]string{
		"all": "--all-models", "high_priority": "--priority high", "key": "--priority key",
		"category:vision": "--category vision", "models:bert,vit": "--models bert,vit",
		"top:50": "--top 50", "file:subsets/a.txt": "--models-file subsets/a.txt",
	} {
		got, err := SubsetFlags(in)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("SubsetFlags(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
