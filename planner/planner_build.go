package planner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hwerr"
)

// BuildOptions say how to plan: CI mode picks the priority-high tests the
// change touches; else every cell of Matrix.Architectures runs.
type BuildOptions struct {
	CI               bool
	Matrix           MatrixOptions
	AllArchitectures []catalog.Architecture // CI: the whole catalog
	ChangedFiles     []string
	LastFailed       []string
	BudgetMinutes    float64
	HasTemplate      func(name string) bool
	Shard            ShardOptions // Durations also feed the CI selection
}

// Build builds the matrix (the CI selection, or every cell) and deals it
// into shards. The selection is nil outside CI mode.
func Build(o BuildOptions) (*Plan, *Selection, error) {
	var m *Matrix
	var sel *Selection
	var err error
	if o.CI {
		mopts := o.Matrix
		mopts.Architectures = o.AllArchitectures
		sel, err = Select(SelectOptions{
			Matrix: mopts, ChangedFiles: o.ChangedFiles, LastFailed: o.LastFailed, BudgetMinutes: o.BudgetMinutes,
			Durations: o.Shard.Durations, HasTemplate: o.HasTemplate,
		})
		if err != nil {
			return nil, nil, err
		}
		m = sel.Matrix
	} else if m, err = BuildMatrix(o.Matrix); err != nil {
		return nil, nil, err
	}
	plan, err := NewPlan(m, o.Shard)
	return plan, sel, err
}

// GitChangedFiles lists the files changed between the merge base of ref and
// HEAD of the repository in the working directory.
func GitChangedFiles(ctx context.Context, ref string) ([]string, error) {
	if strings.HasPrefix(ref, "-") {
		return nil, hwerr.Usagef("--base-ref origin/main", "--base-ref %q is not a ref", ref)
	}
	cmd := exec.CommandContext(ctx, "git", "diff", "--name-only", ref+"...HEAD")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, hwerr.Usagef("git fetch the base branch first (actions/checkout with fetch-depth: 0)",
			"git diff --name-only %s...HEAD: %v: %s", ref, err, hwerr.Tail(stderr.String(), 300))
	}
	var files []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			files = append(files, l)
		}
	}
	return files, nil
}

// TemplateExists says whether a template exists: one of names (the embedded
// templates) or a file in the repository's templates folder dir.
func TemplateExists(names []string, dir string) func(string) bool {
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	return func(name string) bool {
		if known[name] {
			return true
		}
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		return dir != "" && err == nil
	}
}
