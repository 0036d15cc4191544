package reference

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// passing is a passing result that stored the reference of key.
func passing(testID, key string) results.Result {
	extra, _ := json.Marshal(map[string]any{"reference": Entry{Key: key, TestID: testID, File: key + ".safetensors",
		SHA256: "sha-" + key, Seed: 42, Outputs: map[string]json.RawMessage{"logits": json.RawMessage(`{"shape":[1,2]}`)}}})
	return results.Result{TestID: testID, Status: results.StatusPass, Extra: string(extra)}
}

// compact is raw JSON without the manifest's indentation.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func keys(m Manifest) []string {
	var ks []string
	for _, e := range m.Tests {
		ks = append(ks, e.Key)
	}
	return ks
}

func TestStore(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name         string
		before       []Entry // the manifest's entries before the run
		rs           []results.Result
		wantKeys     []string
		wantStored   int
		wantNoOutput []string
	}{
		{name: "empty folder", rs: []results.Result{passing("vit@cpu/fp32/b1/s128", "vit/b1/s128"), passing("bert@cpu/fp32/b1/s128", "bert/b1/s128")},
			wantKeys: []string{"bert/b1/s128", "vit/b1/s128"}, wantStored: 2},
		{name: "keeps the other keys and replaces the same key",
			before:   []Entry{{Key: "bert/b1/s128", SHA256: "old"}, {Key: "t5/b1/s128", SHA256: "kept"}},
			rs:       []results.Result{passing("bert@cpu/fp32/b1/s128", "bert/b1/s128")},
			wantKeys: []string{"bert/b1/s128", "t5/b1/s128"}, wantStored: 1},
		{name: "a failed test or one that saved nothing stores nothing",
			rs: []results.Result{
				{TestID: "gpt2@cpu/fp32/b1/s128", Status: results.StatusFail, ErrorMessage: "boom", Extra: passing("x", "gpt2/b1/s128").Extra},
				{TestID: "opt@cpu/fp32/b1/s128", Status: results.StatusPass, Extra: `{"other":1}`},
				{TestID: "llama@cpu/fp32/b1/s128", Status: results.StatusPass, Extra: `not json`},
			},
			wantStored:   0,
			wantNoOutput: []string{"gpt2@cpu/fp32/b1/s128 (fail: boom)", "opt@cpu/fp32/b1/s128 (pass: )", "llama@cpu/fp32/b1/s128 (pass: )"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.before != nil {
				b, _ := json.Marshal(Manifest{Format: 1, Tests: tc.before})
				if err := os.WriteFile(ManifestPath(dir), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			st, err := Store(dir, tc.rs, "run-7", "v1.2.3", now)
			if err != nil {
				t.Fatal(err)
			}
			if st.Stored != tc.wantStored || st.Listed != len(tc.wantKeys) || !reflect.DeepEqual(st.NoOutput, tc.wantNoOutput) {
				t.Errorf("Stored = %+v, want stored %d listed %d no output %q", st, tc.wantStored, len(tc.wantKeys), tc.wantNoOutput)
			}
			m := Read(dir)
			if got := keys(m); !reflect.DeepEqual(got, tc.wantKeys) {
				t.Errorf("manifest keys %q, want %q", got, tc.wantKeys)
			}
			if m.Format != 1 || m.HwcovVersion != "v1.2.3" || m.RunID != "run-7" || !m.GeneratedAt.Equal(now) || m.GeneratedAt.Location() != time.UTC {
				t.Errorf("manifest header %d %q %q %v", m.Format, m.HwcovVersion, m.RunID, m.GeneratedAt)
			}
			for _, e := range m.Tests {
				switch e.Key {
				case "t5/b1/s128":
					if e.SHA256 != "kept" {
						t.Errorf("t5 entry changed: %+v", e)
					}
				default:
					if e.SHA256 != "sha-"+e.Key || e.Seed != 42 || compact(e.Outputs["logits"]) != `{"shape":[1,2]}` {
						t.Errorf("entry %s not the run's: %+v", e.Key, e)
					}
				}
			}
		})
	}
}

func TestStoreUnwritable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := Store(dir, []results.Result{passing("bert@cpu/fp32/b1/s128", "bert/b1/s128")}, "r", "v", time.Now())
	if err == nil || !strings.Contains(err.Error(), "write reference manifest") {
		t.Errorf("Store into a missing folder: %v, want write reference manifest", err)
	}
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		{name: "missing"},
		{name: "not json", content: "{broken"},
		{name: "entries", content: `{"format":1,"tests":[{"key":"a/b1/s8"},{"key":"b/b1/s8"}]}`, want: []string{"a/b1/s8", "b/b1/s8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.content != "" {
				if err := os.WriteFile(ManifestPath(dir), []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := keys(Read(dir)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Read: %q, want %q", got, tc.want)
			}
		})
	}
}

func TestUnvalidated(t *testing.T) {
	rs := []results.Result{
		{TestID: "a", Status: results.StatusPass},
		{TestID: "b", Status: results.StatusFail, ErrorMessage: "shape mismatch"},
		{TestID: "c", Status: results.StatusFail, ErrorMessage: "diff too large", Extra: `{"validation":{"max_abs_diff":3}}`},
		{TestID: "d", Status: results.StatusTimeout},
	}
	want := []string{"b: fail shape mismatch", "d: timeout "}
	if got := Unvalidated(rs); !reflect.DeepEqual(got, want) {
		t.Errorf("Unvalidated = %q, want %q", got, want)
	}
	if got := Unvalidated(rs[:1]); got != nil {
		t.Errorf("Unvalidated(passing) = %q, want none", got)
	}
}
