package shard

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hwerr"
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
		want      catalog.Choice
		hw        []string
		err       string
	}{
		{"", sat, "weekly_tests", catalog.Choice{Models: []string{"bert", "vit"}}, []string{"cpu"}, ""},
		{"daily", sat, "daily_tests", catalog.Choice{Priority: "high"}, []string{"cpu", "cuda"}, ""},
		{"0 3 1 * *", sat, "monthly_tests", catalog.Choice{AllModels: true}, []string{"all"}, ""},
		{"", time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), "", catalog.Choice{}, nil, "nothing is due at Wed 2026-03-04 12:00 UTC; next is daily_tests"},
		{"hourly", sat, "", catalog.Choice{}, nil, `no entry "hourly"`},
	}
	for _, tt := range tests {
		var errb bytes.Buffer
		var m catalog.Choice
		var hw []string
		e, err := ApplySchedule(&m, &hw, path, tt.which, tt.now, &errb)
		if tt.err != "" {
			var ue *hwerr.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.err) || ue.Hint == "" {
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
	now, log := time.Date(2026, 3, 7, 1, 30, 0, 0, time.UTC), &bytes.Buffer{}
	m := catalog.Choice{Models: []string{"bert"}}
	var hw []string
	if _, err := ApplySchedule(&m, &hw, path, "daily", now, log); err == nil || !strings.Contains(err.Error(), "--schedule picks the models") {
		t.Errorf("selection beside --schedule: %v", err)
	}
	// An invalid file names the field.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"d": {"model_subset": "some", "hardware_platforms": ["cpu"], "run_time": "01:00"}}`), 0o644)
	if _, err := ApplySchedule(&catalog.Choice{}, &hw, bad, "d", now, log); err == nil || !strings.Contains(err.Error(), `field "d.model_subset"`) {
		t.Errorf("bad file: %v", err)
	}
}

func TestPrepareChecksRequest(t *testing.T) {
	ok := func() RunRequest {
		return RunRequest{Request: Request{Options: Options{Workers: 1, Iterations: 5, Warmup: 1}}}
	}
	tests := []struct {
		name    string
		edit    func(*RunRequest)
		wantErr string // "" when it prepares
	}{
		{"plain", func(*RunRequest) {}, ""},
		{"shard", func(r *RunRequest) { r.Shard = "2/4" }, ""},
		{"bad shard", func(r *RunRequest) { r.Shard = "5/4" }, `--shard "5/4"`},
		{"no workers", func(r *RunRequest) { r.Options.Workers = 0 }, "--workers and --iterations must be at least 1"},
		{"tests and models", func(r *RunRequest) { r.TestsDir, r.Models.Models = "t", []string{"bert"} }, "--tests runs the files in a folder"},
		{"bad profile", func(r *RunRequest) { r.Options.Profile = "cpu" }, `--profile "cpu"`},
		{"bad optimizations", func(r *RunRequest) { r.Options.Optimizations = "max" }, `--optimizations "max"`},
		{"sweep from plan", func(r *RunRequest) { r.Benchmark, r.Plan, r.ShardID = true, "p.json", "cpu-1of1" }, "--benchmark sweeps generated tests"},
		{"zero batch", func(r *RunRequest) { r.BatchSizes = []int{0} }, "must be at least 1, got 0"},
		{"which alone", func(r *RunRequest) { r.Which = "daily" }, "--which goes with --schedule"},
		{"schedule and plan", func(r *RunRequest) { r.Schedule, r.Plan = "s.json", "p.json" }, "--schedule picks the tests"},
		{"plan without id", func(r *RunRequest) { r.Plan = "p.json" }, "--plan and --shard-id go together"},
		{"plan and models", func(r *RunRequest) { r.Plan, r.ShardID, r.Models.Priority = "p.json", "x", "key" }, "--plan picks the tests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.edit(&r)
			err := r.Prepare(time.Now(), &bytes.Buffer{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Prepare = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Prepare = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
	r := ok()
	r.Shard, r.SeqLens = "2/4", []int{128}
	if err := r.Prepare(time.Now(), &bytes.Buffer{}); err != nil || r.Index != 2 || r.Count != 4 || r.Sweep == nil || !r.Options.Benchmark {
		t.Fatalf("Prepare(--shard 2/4 --seq-lengths 128) = %v: shard %d/%d, sweep %v, benchmark %v", err, r.Index, r.Count, r.Sweep, r.Options.Benchmark)
	}
}
