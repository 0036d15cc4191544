package reference

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// Manifest is reference/manifest.json: one entry per stored test output.
type Manifest struct {
	Format       int       `json:"format"`
	HwcovVersion string    `json:"hwcov_version"`
	GeneratedAt  time.Time `json:"generated_at"`
	RunID        string    `json:"run_id"`
	Tests        []Entry   `json:"tests"`
}

// Entry is one stored reference: what hwcov_harness/reference.py save() returns.
type Entry struct {
	Key     string                     `json:"key"` // model/b1/s128
	TestID  string                     `json:"test_id"`
	File    string                     `json:"file"`
	SHA256  string                     `json:"sha256"`
	Seed    int                        `json:"seed"`
	Outputs map[string]json.RawMessage `json:"outputs"`
	Inputs  json.RawMessage            `json:"inputs,omitempty"`
}

// Stored says what Store kept of a reference run.
type Stored struct {
	Stored   int      // results stored
	Listed   int      // entries in the manifest now
	NoOutput []string // tests that stored nothing, with why
}

// ManifestPath is the manifest of the reference folder dir.
func ManifestPath(dir string) string { return filepath.Join(dir, "manifest.json") }

// Read reads dir's manifest; a missing or unreadable one is empty.
func Read(dir string) Manifest {
	var m Manifest
	if b, err := os.ReadFile(ManifestPath(dir)); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

// Store adds the references of a run's passing results to dir's manifest,
// replacing entries of the same key and keeping the others.
func Store(dir string, rs []results.Result, runID, version string, now time.Time) (Stored, error) {
	m := Read(dir)
	byKey := map[string]Entry{}
	for _, e := range m.Tests {
		byKey[e.Key] = e
	}
	var st Stored
	for _, r := range rs {
		var extra struct {
			Reference *Entry `json:"reference"`
		}
		_ = json.Unmarshal([]byte(r.Extra), &extra)
		if r.Status != results.StatusPass || extra.Reference == nil {
			st.NoOutput = append(st.NoOutput, fmt.Sprintf("%s (%s: %s)", r.TestID, r.Status, r.ErrorMessage))
			continue
		}
		byKey[extra.Reference.Key] = *extra.Reference
		st.Stored++
	}
	m.Tests = m.Tests[:0]
	for _, e := range byKey {
		m.Tests = append(m.Tests, e)
	}
	sort.Slice(m.Tests, func(i, j int) bool { return m.Tests[i].Key < m.Tests[j].Key })
	m.Format, m.HwcovVersion, m.GeneratedAt, m.RunID = 1, version, now.UTC(), runID
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return st, err
	}
	if err := os.WriteFile(ManifestPath(dir), append(b, '\n'), 0o644); err != nil {
		return st, fmt.Errorf("write reference manifest: %w", err)
	}
	st.Listed = len(m.Tests)
	return st, nil
}

// Unvalidated are notes on the results that were not compared with a
// reference: the test did not pass and recorded no validation.
func Unvalidated(rs []results.Result) []string {
	var notes []string
	for _, r := range rs {
		if r.Status != results.StatusPass && !strings.Contains(r.Extra, `"validation"`) {
			notes = append(notes, fmt.Sprintf("%s: %s %s", r.TestID, r.Status, r.ErrorMessage))
		}
	}
	return notes
}
