package shard

import (
	"fmt"
	"io"
	"sort"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/testid"
	"github.com/hwcov/hwcov/planner"
)

// Selection says where a shard's tests come from: a plan's shard (Plan and
// ShardID), a folder of generated tests (Dir), or else the architectures x
// platforms, rendered into Out and dealt round-robin (Index of Count).
type Selection struct {
	Plan    *planner.Plan
	ShardID string
	Dir     string

	Archs     []catalog.Architecture
	Platforms []hardware.Platform // for Dir too: the platforms kept
	Precision string
	Sweep     *planner.Sweep // sweep batch x sequence cells instead of the default cell
	Index     int            // shard Index of Count, from 1; 0 means 1 of 1
	Count     int
	Out       string // where generated tests are written

	Generator *generator.Generator
	Catalog   *catalog.Catalog
	Hardware  *hardware.Registry
	Log       io.Writer // notes: pairs skipped, sweep size
}

// Tests are a shard's tests: the generated files, the cells they run, and,
// from a plan, every planned test and the shard's platform.
type Tests struct {
	Files    []generator.Test
	Cells    []testid.ID
	Planned  []store.PlannedTest
	Hardware string
}

// Select picks the shard's tests and writes the files it generates.
func Select(s Selection) (Tests, error) {
	if s.Log == nil {
		s.Log = io.Discard
	}
	if s.Plan != nil {
		return fromPlan(s)
	}
	var files []generator.Test
	var err error
	if s.Dir != "" {
		files, err = fromDir(s)
	} else {
		files, err = s.generate()
	}
	if err != nil {
		return Tests{}, err
	}
	i, n := s.Index, s.Count
	if i == 0 {
		i, n = 1, 1
	}
	var t Tests
	if s.Sweep != nil {
		t.Files = files
		cells, err := s.sweepCells(files)
		t.Cells = planner.RoundRobin(cells, i, n)
		return t, err
	}
	sort.Slice(files, func(a, b int) bool { return files[a].ID.String() < files[b].ID.String() })
	t.Files = planner.RoundRobin(files, i, n)
	for _, f := range t.Files {
		t.Cells = append(t.Cells, f.ID)
	}
	return t, nil
}

// fromPlan renders the files of one shard of the plan.
func fromPlan(s Selection) (Tests, error) {
	sh, err := s.Plan.Shard(s.ShardID)
	if err != nil {
		return Tests{}, err
	}
	cells, err := sh.TestIDs()
	if err != nil {
		return Tests{}, err
	}
	files, err := s.Generator.RenderCells(cells, s.Catalog, s.Hardware)
	if err != nil {
		return Tests{}, err
	}
	if err := s.Generator.WriteTests(s.Out, files); err != nil {
		return Tests{}, err
	}
	return Tests{Files: files, Cells: cells, Planned: PlannedTests(s.Plan), Hardware: sh.Hardware}, nil
}

// fromDir reads the generated tests of Dir on the chosen platforms.
func fromDir(s Selection) ([]generator.Test, error) {
	tests, err := generator.ReadTests(s.Dir)
	if err != nil {
		return nil, err
	}
	byKey := map[string]hardware.Platform{}
	for _, p := range s.Platforms {
		byKey[p.PlatformKey] = p
	}
	var out []generator.Test
	for _, t := range tests {
		hw, ok := byKey[t.ID.Hardware]
		if !ok {
			continue
		}
		t.Arch, _ = s.Catalog.Get(t.ID.Model)
		t.HW = hw
		out = append(out, t)
	}
	return out, nil
}

// generate renders the architectures x platforms into Out.
func (s Selection) generate() ([]generator.Test, error) {
	tests, skipped, err := s.Generator.RenderTests(s.Archs, s.Platforms, s.Precision)
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		fmt.Fprintf(s.Log, "hwcov: %d incompatible pairs skipped (hwcov generate --dry-run lists them)\n", len(skipped))
	}
	if err := s.Generator.WriteTests(s.Out, tests); err != nil {
		return nil, err
	}
	return tests, nil
}

// sweepCells is the benchmark sweep of the files' pairs.
func (s Selection) sweepCells(files []generator.Test) ([]testid.ID, error) {
	var pairs []testid.ID
	var archs []catalog.Architecture
	var platforms []hardware.Platform
	seenA, seenP := map[string]bool{}, map[string]bool{}
	for _, t := range files {
		pairs = append(pairs, t.ID)
		if !seenA[t.Arch.Name] {
			seenA[t.Arch.Name] = true
			archs = append(archs, t.Arch)
		}
		if !seenP[t.HW.PlatformKey] {
			seenP[t.HW.PlatformKey] = true
			platforms = append(platforms, t.HW)
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	sw := *s.Sweep
	sw.Precision = s.Precision
	r, err := planner.SweepCells(pairs, archs, platforms, sw)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.Log, "hwcov: benchmark sweep: %d cells (batch %s x seq %s), %d skipped by memory or position limits\n",
		len(r.Cells), joinInts(r.BatchSizes), joinInts(r.SeqLens), r.Skipped)
	return r.Cells, nil
}

func joinInts(xs []int) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(x)
	}
	return s
}

// PlannedTests lists every test of plan with its shard, for the database to
// tell lost shards.
func PlannedTests(plan *planner.Plan) []store.PlannedTest {
	var planned []store.PlannedTest
	for _, s := range plan.Shards {
		for _, id := range s.Tests {
			planned = append(planned, store.PlannedTest{TestID: id, ShardID: s.ID, Hardware: s.Hardware})
		}
	}
	return planned
}
