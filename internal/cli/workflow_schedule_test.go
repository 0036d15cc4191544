package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestApplySchedule covers what `hwcov run --schedule F [--which W]` does
// before it runs: the entry due now, or the one named, becomes the selection.
func TestApplySchedule(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "schedule.json")
	os.WriteFile(path, []byte(`{
  "daily_tests": {"model_subset": "high_priority", "hardware_platforms": ["cpu", "cuda"], "run_time": "01:00"},
  "weekly_tests": {"model_subset": "models:bert,vit", "hardware_platforms": ["cpu"], "run_time": "Saturday 02:00"},
  "monthly_tests": {"model_subset": "all", "hardware_platforms": "all", "run_time": "1st 03:00"}
}`), 0o644)
	sat := time.Date(2026, 3, 7, 2, 30, 0, 0, time.UTC) // a Saturday
	tests := []struct {
		which     string
		now       time.Time
		wantEntry string
		want      ModelFlags
		hw        []string
		err       string
	}{
		{"", sat, "weekly_tests", ModelFlags{Models: []string{"bert", "vit"}}, []string{"cpu"}, ""},
		{"daily", sat, "daily_tests", ModelFlags{Priority: "high"}, []string{"cpu", "cuda"}, ""},
		{"0 3 1 * *", sat, "monthly_tests", ModelFlags{AllModels: true}, []string{"all"}, ""},
		{"", time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), "", ModelFlags{}, nil, "nothing is due at Wed 2026-03-04 12:00 UTC; next is daily_tests"},
		{"hourly", sat, "", ModelFlags{}, nil, `no entry "hourly"`},
	}
	for _, tt := range tests {
		var errb bytes.Buffer
		f := NewFactory(nil, &bytes.Buffer{}, &errb)
		f.Now = func() time.Time { return tt.now }
		var m ModelFlags
		var hw []string
		e, err := applySchedule(f, &m, &hw, path, tt.which)
		if tt.err != "" {
			var ue *usageError
			if !asErr(err, &ue) || !strings.Contains(err.Error(), tt.err) || ue.Hint == "" {
				t.Errorf("which %q: err %v, want a usage error with %q", tt.which, err, tt.err)
			}
			continue
		}
		if err != nil || e.Name != tt.wantEntry || !reflect.DeepEqual(m, tt.want) || !reflect.DeepEqual(hw, tt.hw) {
			t.Errorf("which %q: %s %+v %q %v; want %s %+v %q", tt.which, e.Name, m, hw, err, tt.wantEntry, tt.want, tt.hw)
		}
		if !strings.Contains(errb.String(), "schedule entry "+tt.wantEntry) {
			t.Errorf("which %q: stderr %q", tt.which, errb.String())
		}
	}
	// A selection beside --schedule is refused.
	f := NewFactory(nil, &bytes.Buffer{}, &bytes.Buffer{})
	m := ModelFlags{Models: []string{"bert"}}
	var hw []string
	if _, err := applySchedule(f, &m, &hw, path, "daily"); err == nil || !strings.Contains(err.Error(), "--schedule picks the models") {
		t.Errorf("selection beside --schedule: %v", err)
	}
	// An invalid file names the field.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"d": {"model_subset": "some", "hardware_platforms": ["cpu"], "run_time": "01:00"}}`), 0o644)
	if _, err := applySchedule(f, &ModelFlags{}, &hw, bad, "d"); err == nil || !strings.Contains(err.Error(), `field "d.model_subset"`) {
		t.Errorf("bad file: %v", err)
	}
}
