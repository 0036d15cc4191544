// Command actionlint lints GitHub Actions workflows with the actionlint
// library (github.com/rhysd/actionlint, pinned in this module's go.mod) and
// prints every finding as one JSON object per line. hwcov's tests build it
// once and run it over every workflow hwcov ships or can write.
//
// It lives in a module of its own because actionlint v1.7.12 needs
// go.yaml.in/yaml/v4 v4.0.0-rc.3, which other dependencies of hwcov have
// moved past, and act (../go.mod) pins its own actionlint.
//
//	actionlint -root DIR FILE...
//
// DIR is the repository root: its .github/actionlint.yaml (runner labels)
// applies, and `uses: ./` and local reusable workflows resolve inside it. The
// exit status is 0 whatever the findings, 2 for a usage or read error.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rhysd/actionlint"
)

// Finding is one actionlint error.
type Finding struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func main() {
	root := flag.String("root", ".", "repository root (reads .github/actionlint.yaml)")
	flag.Parse()
	if err := run(*root, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "actionlint: %v\n", err)
		os.Exit(2)
	}
}

func run(root string, files []string, w io.Writer) error {
	if len(files) == 0 {
		return fmt.Errorf("name at least one workflow file")
	}
	proj, err := actionlint.NewProject(root)
	if err != nil {
		return err
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		errs, err := l.Lint(f, src, proj)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, e := range errs {
			if err := enc.Encode(Finding{File: f, Line: e.Line, Column: e.Column, Kind: e.Kind, Message: e.Message}); err != nil {
				return err
			}
		}
	}
	return nil
}
