package baseline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testing/ghfake"
)

func TestWorkflowFile(t *testing.T) {
	for _, tc := range []struct{ ref, want string }{
		{"octo/demo/.github/workflows/ci.yml@refs/heads/main", "ci.yml"},
		{"octo/demo/.github/workflows/hw.yaml@refs/pull/7/merge", "hw.yaml"},
		{"octo/demo/.github/workflows/ci.yml", "ci.yml"},
		{"octo/demo/.github/workflows/sub/ci.yml@refs/heads/main", "hwcov.yml"},
		{"octo/demo/.github/workflows/@refs/heads/main", "hwcov.yml"},
		{"", "hwcov.yml"},
	} {
		if got := WorkflowFile(tc.ref); got != tc.want {
			t.Errorf("WorkflowFile(%q) = %q, want %q", tc.ref, got, tc.want)
		}
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1023, "1023 bytes"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{1 << 20, "1.0 MiB"}, {5<<20 + 1<<19, "5.5 MiB"}, {1 << 30, "1.0 GiB"}, {3 << 30, "3.0 GiB"},
	} {
		if got := ByteSize(tc.n); got != tc.want {
			t.Errorf("ByteSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestWriteEmpty(t *testing.T) {
	q := ghapi.BaselineQuery{Workflow: "hwcov.yml", Branch: "main", Artifact: "hwcov-db"}
	for _, tc := range []struct {
		name   string
		why    error
		reason string
	}{
		{"no workflow", ghapi.ErrNoWorkflow, NoWorkflow},
		{"no artifact", ghapi.ErrNoBaseline, NoArtifact},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "base.duckdb")
			if err := os.WriteFile(out, []byte("a stale file"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := WriteEmpty(out, q, tc.why); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(out, store.Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("the empty baseline is no hwcov database: %v", err)
			}
			defer db.Close()
			if rs, err := db.AllResults(context.Background()); err != nil || len(rs) != 0 {
				t.Errorf("empty baseline has %d results, %v", len(rs), err)
			}
			n := ReadNote(out)
			if n == nil || n.Reason != tc.reason || n.Workflow != "hwcov.yml" || n.Branch != "main" || n.Artifact != "hwcov-db" {
				t.Errorf("note = %+v, want reason %s", n, tc.reason)
			}
		})
	}
}

// A baseline that cannot be written is an error, and no note is left.
func TestWriteEmptyUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(file, "base.duckdb")
	if err := WriteEmpty(out, ghapi.BaselineQuery{Workflow: "hwcov.yml", Branch: "main"}, ghapi.ErrNoBaseline); err == nil {
		t.Error("WriteEmpty under a file: no error")
	}
	if ReadNote(out) != nil {
		t.Error("a note was written without its database")
	}
}

// fakeGitHub is a fake GitHub and a client of it.
func fakeGitHub(t *testing.T) (*ghfake.Server, *ghapi.Client, ghapi.Repo) {
	t.Helper()
	srv := ghfake.NewT(t, ghfake.Options{})
	c, err := ghapi.New(ghapi.Options{APIURL: srv.URL, Token: srv.Token(),
		Retry: ghapi.Retry{Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := ghapi.ParseRepo(srv.Repo())
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, repo
}

// dbBytes is an hwcov database holding one run of one passing test.
func dbBytes(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.duckdb")
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := db.BeginRun(ctx, results.Run{RunID: "base-run", StartedAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := db.Record(ctx, results.Result{RunID: "base-run", TestID: "bert@cpu/fp32/b1/s128", Architecture: "bert", Hardware: "cpu",
		Status: results.StatusPass, Attempt: 1, StartedAt: at, FinishedAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFetch(t *testing.T) {
	srv, c, repo := fakeGitHub(t)
	ctx := context.Background()
	q := ghapi.BaselineQuery{Workflow: "hwcov.yml", Branch: "main", Artifact: "hwcov-db"}
	out := filepath.Join(t.TempDir(), "sub", "base.duckdb")
	req := Request{Query: q, File: "*.duckdb", Out: out}

	// No workflow file on the base branch, then no run with the artifact.
	if _, err := Fetch(ctx, c, repo, req); !errors.Is(err, ghapi.ErrNoWorkflow) {
		t.Fatalf("unknown workflow: %v, want ErrNoWorkflow", err)
	}
	srv.AddWorkflow("hwcov.yml")
	if _, err := Fetch(ctx, c, repo, req); !errors.Is(err, ghapi.ErrNoBaseline) || errors.Is(err, ghapi.ErrNoWorkflow) {
		t.Fatalf("no runs: %v, want ErrNoBaseline", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("out written without a baseline")
	}

	data := dbBytes(t)
	runID := srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "abc", Created: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC),
		Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: map[string][]byte{"merged/run.duckdb": data, "junit.xml": []byte("<x/>")}}}})
	// a note of an earlier empty baseline is removed with the real one
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteNote(out, Note{Reason: NoArtifact, Workflow: "hwcov.yml", Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	f, err := Fetch(ctx, c, repo, req)
	if err != nil {
		t.Fatal(err)
	}
	if f.RunID != runID || f.HeadSHA != "abc" || f.Name != "merged/run.duckdb" || f.Size != int64(len(data)) {
		t.Errorf("Fetched = %+v, want run %d, merged/run.duckdb of %d bytes", f, runID, len(data))
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Errorf("out holds %d bytes, want the artifact's %d", len(got), len(data))
	}
	if ReadNote(out) != nil {
		t.Error("the note of the empty baseline was kept")
	}
	if _, err := os.Stat(out + ".download"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the download was left behind: %v", err)
	}
	db, err := store.Open(out, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if rs, err := db.AllResults(ctx); err != nil || len(rs) != 1 || rs[0].TestID != "bert@cpu/fp32/b1/s128" {
		t.Errorf("fetched baseline results = %+v, %v", rs, err)
	}
}

// An artifact that is not an hwcov database is the user's mistake: a usage
// error naming the artifact, run and file, with a hint, and nothing written.
func TestFetchNotADatabase(t *testing.T) {
	srv, c, repo := fakeGitHub(t)
	srv.AddWorkflow("hwcov.yml")
	runID := srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "abc",
		Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: map[string][]byte{"run.duckdb": []byte("DUCKDB? no, a text file\n")}}}})
	out := filepath.Join(t.TempDir(), "base.duckdb")
	_, err := Fetch(context.Background(), c, repo, Request{Query: ghapi.BaselineQuery{Workflow: "hwcov.yml", Branch: "main", Artifact: "hwcov-db"},
		File: "*.duckdb", Out: out})
	var ue *hwerr.UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v (%T), want a usage error", err, err)
	}
	var stderr strings.Builder
	if code := hwerr.Exit(err, &stderr); code != hwerr.ExitUsage {
		t.Errorf("exit %d, want %d", code, hwerr.ExitUsage)
	}
	for _, want := range []string{`artifact "hwcov-db" of run ` + itoa(runID) + `: run.duckdb is not a usable hwcov database`,
		"\nTry: check what the workflow uploads as hwcov-db\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
	}
	if strings.Count(stderr.String(), "\n") != 2 {
		t.Errorf("stderr is not one line and a hint: %q", stderr.String())
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("left files behind: %v", entries)
	}
}

// The download's limits reach the client: an archive over MaxArchive is
// refused and nothing is written.
func TestFetchLimits(t *testing.T) {
	srv, c, repo := fakeGitHub(t)
	srv.AddWorkflow("hwcov.yml")
	srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "abc",
		Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: map[string][]byte{"run.duckdb": dbBytes(t)}}}})
	out := filepath.Join(t.TempDir(), "base.duckdb")
	_, err := Fetch(context.Background(), c, repo, Request{Query: ghapi.BaselineQuery{Workflow: "hwcov.yml", Branch: "main", Artifact: "hwcov-db"},
		File: "*.duckdb", Out: out, MaxArchive: 64})
	if err == nil || !strings.Contains(err.Error(), "64-byte limit") {
		t.Errorf("err = %v, want the 64-byte limit", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("left files behind: %v", entries)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
