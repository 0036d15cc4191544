package baseline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNotePath(t *testing.T) {
	for _, tc := range []struct{ db, want string }{
		{"base.duckdb", "base.json"},
		{"out/base.duckdb", "out/base.json"},
		{"base", "base.json"},
		{"a.b/base.db", "a.b/base.json"},
	} {
		if got := NotePath(tc.db); got != tc.want {
			t.Errorf("NotePath(%q) = %q, want %q", tc.db, got, tc.want)
		}
	}
}

func TestNoteRoundTrip(t *testing.T) {
	db := filepath.Join(t.TempDir(), "base.duckdb")
	if ReadNote(db) != nil {
		t.Fatal("ReadNote without a note is not nil")
	}
	want := Note{Reason: NoArtifact, Workflow: "hwcov.yml", Branch: "release/v1", Artifact: "hwcov-db"}
	if err := WriteNote(db, want); err != nil {
		t.Fatal(err)
	}
	got := ReadNote(db)
	if got == nil || *got != want {
		t.Fatalf("ReadNote = %+v, want %+v", got, want)
	}
}

// A note travels as untrusted data: anything hwcov would not have written is
// no note at all.
func TestReadNoteRefuses(t *testing.T) {
	for _, tc := range []struct{ name, content string }{
		{"not json", `{"reason":`},
		{"unknown field", `{"reason":"no-artifact","workflow":"hwcov.yml","branch":"main","extra":"x"}`},
		{"unknown reason", `{"reason":"gone","workflow":"hwcov.yml","branch":"main"}`},
		{"markdown in the workflow", `{"reason":"no-artifact","workflow":"[x](https://evil)","branch":"main"}`},
		{"backtick in the branch", "{\"reason\":\"no-artifact\",\"workflow\":\"hwcov.yml\",\"branch\":\"ma`in\"}"},
		{"empty branch", `{"reason":"no-workflow","workflow":"hwcov.yml","branch":""}`},
		{"workflow name over 100 characters", `{"reason":"no-workflow","workflow":"` + strings.Repeat("w", 101) + `","branch":"main"}`},
		{"bad artifact", `{"reason":"no-artifact","workflow":"hwcov.yml","branch":"main","artifact":"a b"}`},
		{"too big", `{"reason":"no-artifact","workflow":"hwcov.yml","branch":"main","artifact":"` + strings.Repeat("a", maxNoteBytes) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "base.duckdb")
			if err := os.WriteFile(NotePath(db), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if n := ReadNote(db); n != nil {
				t.Errorf("ReadNote accepted %s: %+v", tc.content, n)
			}
		})
	}
	// the same checks pass a well-formed note
	db := filepath.Join(t.TempDir(), "base.duckdb")
	if err := os.WriteFile(NotePath(db), []byte(`{"reason":"no-workflow","workflow":"ci.yml","branch":"main"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if ReadNote(db) == nil {
		t.Error("ReadNote refused a well-formed note")
	}
}

func TestNoteMarkdown(t *testing.T) {
	for _, tc := range []struct {
		n    Note
		want string
	}{
		{Note{Reason: NoWorkflow, Workflow: "hwcov.yml", Branch: "main"},
			"no baseline yet: the base branch has no hwcov run of `hwcov.yml` (the workflow file is not on `main` yet; once it is, its runs there are the baseline)"},
		{Note{Reason: NoArtifact, Workflow: "hwcov.yml", Branch: "main", Artifact: "hwcov-db"},
			"no baseline yet: the base branch has no hwcov run of `hwcov.yml` on `main` with a live `hwcov-db` artifact (run it on a push to `main`)"},
		{Note{Reason: NoArtifact, Workflow: "ci.yml", Branch: "dev"},
			"no baseline yet: the base branch has no hwcov run of `ci.yml` on `dev` (run it on a push to `dev`)"},
	} {
		if got := tc.n.Markdown(); got != tc.want {
			t.Errorf("Markdown(%+v)\n got %s\nwant %s", tc.n, got, tc.want)
		}
	}
}
