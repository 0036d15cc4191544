package action

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// mergeArgs is the `hwcov merge` command line: the plan when it exists (to
// report lost shards), then the shard databases and folders.
func mergeArgs(in Inputs, planExists bool, files []string) []string {
	args := []string{"merge", "--into", in.DB}
	if planExists {
		args = append(args, "--plan", in.Plan)
	}
	args = append(args, in.Args...)
	return append(args, files...)
}

func (r *runner) merge() error {
	in := &r.in
	if in.DB == "" {
		in.DB = "hwcov.duckdb"
	}
	if len(in.Files) == 0 {
		in.Files = []string{"hwcov-shards"}
	}
	files, err := ExpandFiles(in.Files, in.DB)
	if err != nil {
		return r.usage(&InputError{"files", err.Error()}, "download the hwcov-shard-* artifacts into hwcov-shards/ first")
	}
	planExists := false
	if in.Plan != "" {
		_, err := os.Stat(in.Plan)
		planExists = err == nil
	}
	args := append(mergeArgs(*in, planExists, files), r.globalFlags()...)
	r.group("hwcov merge", args)
	line, err := r.o.Cmd.Merge(args, r.o.Stdout, r.o.Stderr)
	r.gha.EndGroup()
	r.setOutput("db", in.DB)
	if line != "" {
		r.addSummary(fmt.Sprintf("hwcov: %s\n\n", line))
	}
	return err
}

// ExpandFiles expands glob patterns (`**` matches any number of folders) and
// keeps plain paths as they are, so that folders reach `hwcov merge`, which
// merges every *.duckdb below them. A pattern that matches nothing is an
// error; skip is left out of the result (the database being merged into).
func ExpandFiles(patterns []string, skip string) ([]string, error) {
	var out []string
	seen := map[string]bool{filepath.Clean(skip): true}
	add := func(p string) {
		if c := filepath.Clean(p); !seen[c] {
			seen[c] = true
			out = append(out, p)
		}
	}
	for _, p := range patterns {
		if !strings.ContainsAny(p, "*?[") {
			if _, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("%q does not exist", p)
			}
			add(p)
			continue
		}
		matches, err := glob(p)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, m := range matches {
			if !seen[filepath.Clean(m)] {
				n++
			}
			add(m)
		}
		if n == 0 {
			return nil, fmt.Errorf("%q matches no file", p)
		}
	}
	return out, nil
}

// glob is filepath.Glob where a `**` path element matches zero or more folders.
func glob(pattern string) ([]string, error) {
	pattern = filepath.ToSlash(pattern)
	i := strings.Index(pattern, "**")
	if i < 0 {
		m, err := filepath.Glob(filepath.FromSlash(pattern))
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", pattern, err)
		}
		return m, nil
	}
	root, rest := pattern[:i], pattern[i+2:]
	if (root != "" && !strings.HasSuffix(root, "/")) || (rest != "" && !strings.HasPrefix(rest, "/")) {
		return nil, fmt.Errorf("pattern %q: ** must be a whole path element", pattern)
	}
	rest = strings.TrimPrefix(rest, "/")
	if strings.Contains(rest, "**") {
		return nil, fmt.Errorf("pattern %q: only one ** is supported", pattern)
	}
	if _, err := filepath.Match(rest, ""); err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	base := filepath.FromSlash(strings.TrimSuffix(root, "/"))
	if base == "" {
		base = "."
	}
	var out []string
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == base {
				return fs.SkipAll // no such folder: no match
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(base, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		for k := range parts {
			if ok, _ := filepath.Match(rest, strings.Join(parts[k:], "/")); ok {
				out = append(out, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	sort.Strings(out)
	return out, nil
}
