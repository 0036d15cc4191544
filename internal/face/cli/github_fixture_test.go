package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testid"
)

// dbSpec is a results database described in JSON, for tests:
//
//	{"runs": [{"id": "base-1", "sha": "aaa", "ref": "refs/heads/main", "at": "2025-03-01T12:00:00Z",
//	           "env": {"cpus": 4}}],
//	 "results": [{"run": "base-1", "test": "bert@cpu/fp32/b1/s128", "status": "pass", "ms": 10, "n": 10,
//	              "memory": 512, "category": "text-encoder", "attempt": 1, "error": "...",
//	              "error_category": "...", "env": {"torch": "2.4.0"}, "count": 3}]}
//
// "ms" and "n" make n latency samples evenly spread ±2% around ms; "count"
// repeats a result whose test id has a %d (or %03d) for 0..count-1.
type dbSpec struct {
	Runs []struct {
		ID  string         `json:"id"`
		SHA string         `json:"sha"`
		Ref string         `json:"ref"`
		PR  int            `json:"pr"`
		At  time.Time      `json:"at"`
		Env map[string]any `json:"env"`
	} `json:"runs"`
	Results []struct {
		Run           string         `json:"run"`
		Test          string         `json:"test"`
		Status        string         `json:"status"`
		MS            float64        `json:"ms"`
		WallMS        float64        `json:"wall_ms"` // the test's whole duration, which plans read
		N             int            `json:"n"`
		Memory        float64        `json:"memory"`
		Category      string         `json:"category"`
		Attempt       int            `json:"attempt"`
		Error         string         `json:"error"`
		ErrorCategory string         `json:"error_category"`
		Env           map[string]any `json:"env"`
		Count         int            `json:"count"`
		File          string         `json:"file"`
		Chain         string         `json:"chain"` // template chain (default "base > CATEGORY")
	} `json:"results"`
}

// writeDB writes the database spec describes to path.
func writeDB(path string, spec []byte) error {
	var s dbSpec
	dec := json.NewDecoder(strings.NewReader(string(spec)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("results spec: %w", err)
	}
	os.Remove(path)
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	at := map[string]time.Time{}
	for _, r := range s.Runs {
		env, _ := json.Marshal(r.Env)
		if r.Env == nil {
			env = nil
		}
		if err := db.BeginRun(ctx, results.Run{RunID: r.ID, GitSHA: r.SHA, GitRef: r.Ref, PRNumber: r.PR,
			Environment: string(env), StartedAt: r.At, FinishedAt: r.At.Add(time.Hour)}); err != nil {
			return err
		}
		at[r.ID] = r.At
	}
	for _, x := range s.Results {
		n := max(x.Count, 1)
		for i := range n {
			id := x.Test
			if x.Count > 0 {
				id = fmt.Sprintf(x.Test, i)
			}
			tid, err := testid.Parse(id)
			if err != nil {
				return err
			}
			r := results.Result{RunID: x.Run, TestID: id, Architecture: tid.Model, Hardware: tid.Hardware,
				Precision: tid.Precision, BatchSize: tid.Batch, SeqLen: tid.Seq, Status: results.Status(x.Status),
				Category: x.Category, MemoryMB: x.Memory, Attempt: max(x.Attempt, 1), ErrorMessage: x.Error,
				ErrorCategory: x.ErrorCategory, GeneratedFile: x.File, TemplateChain: "base > " + x.Category, WallMS: x.WallMS}
			if x.Chain != "" {
				r.TemplateChain = x.Chain
			}
			if r.Status == "" {
				r.Status = results.StatusPass
			}
			if x.MS > 0 {
				k := max(x.N, 2)
				for j := range k {
					r.SamplesMS = append(r.SamplesMS, x.MS*(0.98+0.04*float64(j)/float64(k-1)))
				}
				r.ExecutionMS = x.MS
			}
			if x.Env != nil {
				b, _ := json.Marshal(map[string]any{"environment": x.Env})
				r.Extra = string(b)
			}
			base := at[x.Run]
			if base.IsZero() {
				base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
			}
			r.StartedAt = base.Add(time.Duration(r.Attempt) * time.Minute)
			r.FinishedAt = r.StartedAt.Add(time.Second)
			if err := db.Record(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}
