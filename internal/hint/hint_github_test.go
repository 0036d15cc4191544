package hint

import (
	"errors"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/hwerr"
)

func TestGitHub(t *testing.T) {
	tests := []struct {
		status   int
		wantHint string // "": unchanged
	}{
		{401, "check GITHUB_TOKEN"},
		{403, "give the job permissions"},
		{404, "give the job permissions"},
		{500, ""},
	}
	for _, tt := range tests {
		err := &ghapi.Error{Status: tt.status}
		got := GitHub(err)
		var ue *hwerr.UsageError
		if tt.wantHint == "" {
			if got != error(err) {
				t.Errorf("status %d: %v, want it unchanged", tt.status, got)
			}
			continue
		}
		if !errors.As(got, &ue) || !strings.Contains(ue.Hint, tt.wantHint) {
			t.Errorf("status %d: %v, want a usage error with hint %q", tt.status, got, tt.wantHint)
		}
	}
	if plain := errors.New("boom"); GitHub(plain) != plain {
		t.Error("a plain error changed")
	}
}
