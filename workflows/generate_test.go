package workflows

import (
	"errors"
	"strings"
	"testing"
)

func TestGenerateChecksRequest(t *testing.T) {
	known := func(keys []string) error {
		for _, k := range keys {
			if k != "cpu" && k != "cuda" {
				return errors.New("unknown platform " + k)
			}
		}
		return nil
	}
	base := func() GenerateRequest {
		return GenerateRequest{Output: "w.yml", HardwareList: []string{"cpu"}, CallerOptions: CallerOptions{TimeoutMinutes: 360}}
	}
	tests := []struct {
		name    string
		edit    func(*GenerateRequest)
		wantErr string // "" when it renders
		files   int
	}{
		{"default", func(*GenerateRequest) {}, "", 1},
		{"comment too", func(r *GenerateRequest) { r.CommentOutput = "c.yml" }, "", 2},
		{"no output", func(r *GenerateRequest) { r.Output = "" }, "--output is required", 0},
		{"two selections", func(r *GenerateRequest) { r.Priority, r.Models = "key", "bert" }, "more than one way", 0},
		{"bad priority", func(r *GenerateRequest) { r.Priority = "low" }, `--priority "low" is not key or high`, 0},
		{"unknown platform", func(r *GenerateRequest) { r.HardwareList = []string{"tpu"} }, "unknown platform tpu", 0},
		{"all platforms", func(r *GenerateRequest) { r.HardwareList = []string{"all"} }, "", 1},
		{"timeout", func(r *GenerateRequest) { r.TimeoutMinutes = 0 }, "--timeout-minutes must be at least 1", 0},
		{"pin-sha without pin", func(r *GenerateRequest) { r.PinSHA = []string{"a/b@v1=abc"} }, "--pin-sha needs --pin", 0},
		{"patch refuses all", func(r *GenerateRequest) { r.Patch, r.HardwareList = true, []string{"all"} }, "--patch needs the platforms", 0},
		{"patch refuses caller flags", func(r *GenerateRequest) {
			r.Patch, r.Changed = true, func(f string) bool { return f == "shards" }
		}, "--shards does not apply to --patch", 0},
		{"patch bad cron", func(r *GenerateRequest) { r.Patch, r.Cron, r.MaxOpen = true, "daily", 5 }, "--cron:", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base()
			tt.edit(&req)
			files, err := Generate(req, known)
			if tt.wantErr == "" {
				if err != nil || len(files) != tt.files {
					t.Fatalf("Generate = %d files, %v; want %d files", len(files), err, tt.files)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Generate error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestGeneratePatchDefaultOutput(t *testing.T) {
	files, err := Generate(GenerateRequest{Patch: true, Output: "hwcov.yml", HardwareList: []string{"cpu"}, MaxOpen: 5,
		Cron: DefaultPatchCron, CallerOptions: CallerOptions{TimeoutMinutes: 360}}, func([]string) error { return nil })
	if err != nil || len(files) != 1 || files[0].Path != ".github/workflows/hwcov-patch.yml" {
		t.Fatalf("Generate(--patch) = %v, %v; want the patch workflow at .github/workflows/hwcov-patch.yml", files, err)
	}
}

func TestPinKeysSorted(t *testing.T) {
	keys := PinKeys()
	if len(keys) != len(Pins) {
		t.Fatalf("PinKeys has %d keys, Pins %d", len(keys), len(Pins))
	}
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			t.Fatalf("PinKeys not sorted at %d: %q, %q", i, keys[i-1], keys[i])
		}
	}
}
