package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hwcov/hwcov/internal/hwerr"
)

// ShardFiles turns files and folders into the list of shard databases: a
// folder stands for every *.duckdb below it; into (the database merged into)
// is left out.
func ShardFiles(args []string, into string) ([]string, error) {
	intoAbs, _ := filepath.Abs(into)
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		abs, _ := filepath.Abs(p)
		if abs != intoAbs && !seen[abs] {
			seen[abs] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, hwerr.Usagef("check the path (artifacts download into folders)", "shard %q: %v", a, errors.Unwrap(err))
		}
		if !st.IsDir() {
			add(a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".duckdb") {
				found = append(found, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		for _, p := range found {
			add(p)
		}
	}
	return out, nil
}

// FileError is a problem with one database file: Side says which ("shard",
// "base", "head") for the message.
type FileError struct {
	Path, Side string
	Err        error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s %q: %v", e.Side, e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// ShardsMerged says what MergeShards did.
type ShardsMerged struct {
	Merged, Skipped, Added int
	Lost                   []LostShard
}

// Line is the one-line account of the merge into the database into.
func (m ShardsMerged) Line(into string) string {
	return fmt.Sprintf("merged %d shards into %s (%d new results), %d skipped, %d lost", m.Merged, into, m.Added, m.Skipped, len(m.Lost))
}

// MergeShards merges the shard files into d, skipping (and counting) those
// that are damaged or missing, and refusing a file that is not hwcov's (a
// *FileError); it logs each file and each lost shard to log.
func (d *DB) MergeShards(ctx context.Context, files []string, log io.Writer) (ShardsMerged, error) {
	var m ShardsMerged
	err := d.MergeAll(ctx, files, func(rep MergeReport, err error) error {
		file := rep.Source
		switch {
		case errors.Is(err, ErrNotHwcov):
			// Not damage but a file made to run SQL on this runner: refuse
			// the merge rather than report without it.
			return &FileError{Path: file, Side: "shard", Err: err}
		case errors.Is(err, ErrCorrupt), errors.Is(err, ErrNewerSchema), errors.Is(err, ErrNotFound):
			m.Skipped++
			fmt.Fprintf(log, "hwcov: skipped shard %s: %v\n", file, hwerr.OneLine(err.Error()))
			return nil
		case err != nil:
			return err
		}
		m.Merged++
		m.Added += rep.NewResults
		fmt.Fprintf(log, "merged %s: %d results, %d new\n", file, rep.Results, rep.NewResults)
		return nil
	})
	if err != nil {
		return m, err
	}
	if m.Lost, err = d.LostShards(ctx); err != nil {
		return m, err
	}
	for _, l := range m.Lost {
		fmt.Fprintf(log, "hwcov: shard %s lost: %d planned tests not run\n", l.ID, l.Tests)
	}
	return m, nil
}
