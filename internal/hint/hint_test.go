package hint

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hwerr"
)

func TestHints(t *testing.T) {
	plain := errors.New("boom")
	usage := hwerr.Usagef("do this", "bad flag")
	tests := []struct {
		name     string
		err      error
		wantHint string // "" when err comes back unchanged
		wantMsg  string
	}{
		{"nil", nil, "", ""},
		{"usage kept", usage, "", "bad flag"},
		{"plain kept", plain, "", "boom"},
		{"missing db", &store.FileError{Path: "r.duckdb", Side: "head", Err: store.ErrNotFound}, "hwcov run --priority key --hardware cpu --db r.duckdb", `head database "r.duckdb" does not exist`},
		{"locked db", &store.FileError{Path: "r.duckdb", Err: store.ErrLocked}, "wait for the other hwcov to finish, or pass another --db", `database "r.duckdb" is locked`},
		{"no popularity", fmt.Errorf("select: %w", catalog.ErrNoPopularity), "hwcov catalog sync --popularity", "select"},
	}
	for _, tt := range tests {
		got := Map(tt.err)
		if tt.wantHint == "" {
			if got != tt.err {
				t.Errorf("%s: Map changed %v into %v", tt.name, tt.err, got)
			}
			continue
		}
		var ue *hwerr.UsageError
		if !errors.As(got, &ue) || ue.Hint != tt.wantHint || !strings.Contains(ue.Msg, tt.wantMsg) {
			t.Errorf("%s: Map = %#v; want hint %q and a message with %q", tt.name, got, tt.wantHint, tt.wantMsg)
		}
	}
}
