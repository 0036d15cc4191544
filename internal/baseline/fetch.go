package baseline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// Request says which baseline to fetch and where to write it.
type Request struct {
	Query      ghapi.BaselineQuery
	File       string // the file in the artifact, a pattern
	Out        string
	MaxArchive int64
	MaxFile    int64
}

// Fetched is a baseline written to Request.Out.
type Fetched struct {
	ghapi.Baseline
	Name string // the file taken from the artifact
	Size int64
}

// Fetch finds the newest base-branch run with the artifact (of Query.HeadSHA
// when it has one), downloads the database from it, checks that it is an
// hwcov database (bringing an older schema up to date) and moves it to Out.
// With no baseline it returns ghapi.ErrNoBaseline (or ErrNoWorkflow).
func Fetch(ctx context.Context, gh *ghapi.Client, repo ghapi.Repo, r Request) (Fetched, error) {
	b, err := gh.FindBaseline(ctx, repo, r.Query)
	if err != nil {
		return Fetched{}, err
	}
	tmp := r.Out + ".download"
	defer os.Remove(tmp)
	name, size, err := gh.DownloadArtifactFile(ctx, repo, b.ArtifactID, r.File, tmp, ghapi.Limits{MaxArchive: r.MaxArchive, MaxFile: r.MaxFile})
	if err != nil {
		return Fetched{}, err
	}
	db, err := store.Open(tmp, store.Options{})
	if err != nil {
		os.Remove(tmp + ".wal")
		return Fetched{}, hwerr.Usagef("check what the workflow uploads as "+r.Query.Artifact,
			"artifact %q of run %d: %s is not a usable hwcov database: %v", b.ArtifactName, b.RunID, name, hwerr.OneLine(err.Error()))
	}
	if err := db.Close(); err != nil {
		return Fetched{}, err
	}
	if err := os.MkdirAll(filepath.Dir(r.Out), 0o755); err != nil {
		return Fetched{}, err
	}
	if err := os.Rename(tmp, r.Out); err != nil {
		return Fetched{}, err
	}
	os.Remove(NotePath(r.Out))
	return Fetched{Baseline: b, Name: name, Size: size}, nil
}

// WriteEmpty writes an empty baseline database at out and the note saying
// why (err is ghapi.ErrNoWorkflow or ErrNoBaseline).
func WriteEmpty(out string, q ghapi.BaselineQuery, why error) error {
	os.Remove(out)
	db, err := store.Open(out, store.Options{Create: true})
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	note := Note{Workflow: q.Workflow, Branch: q.Branch, Artifact: q.Artifact, Reason: NoArtifact}
	if errors.Is(why, ghapi.ErrNoWorkflow) {
		note.Reason = NoWorkflow
	}
	return WriteNote(out, note)
}

// WorkflowFile is the workflow file name in GITHUB_WORKFLOW_REF
// ("owner/repo/.github/workflows/ci.yml@refs/heads/main" gives "ci.yml"),
// or hwcov.yml without one.
func WorkflowFile(ref string) string {
	p, _, _ := strings.Cut(ref, "@")
	if i := strings.Index(p, "/.github/workflows/"); i >= 0 {
		if name := p[i+len("/.github/workflows/"):]; name != "" && !strings.Contains(name, "/") {
			return name
		}
	}
	return "hwcov.yml"
}

// ByteSize is n in B, KiB, MiB or GiB.
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
