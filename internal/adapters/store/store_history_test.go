package store

import (
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

func TestNewestPerTest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rs := []results.Result{
		{TestID: "bert@cpu/fp32/b1/s128", RunID: "r1", Attempt: 1, FinishedAt: t0, Status: results.StatusFail},
		{TestID: "bert@cpu/fp32/b1/s128", RunID: "r2", Attempt: 1, FinishedAt: t0.Add(time.Hour), Status: results.StatusFail},
		{TestID: "bert@cpu/fp32/b1/s128", RunID: "r2", Attempt: 2, FinishedAt: t0.Add(2 * time.Hour), Status: results.StatusPass},
		{TestID: "vit@cpu/fp32/b1/s128", RunID: "r1", Attempt: 1, StartedAt: t0, Status: results.StatusPass},
	}
	got := NewestPerTest(rs)
	if len(got) != 2 || got[0].RunID != "r2" || got[0].Attempt != 2 || got[1].TestID != "vit@cpu/fp32/b1/s128" {
		t.Fatalf("NewestPerTest = %+v", got)
	}
}
