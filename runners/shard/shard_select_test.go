package shard

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/generator"
	"github.com/hwcov/hwcov/internal/adapters/store"
	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/hwerr"
	"github.com/hwcov/hwcov/planner"
)

// world is the embedded catalog, the built-in platforms and the built-in
// templates.
type world struct {
	cat *catalog.Catalog
	reg *hardware.Registry
	gen *generator.Generator
}

func newWorld(t *testing.T) world {
	t.Helper()
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	gen, err := generator.New(generator.Options{HwcovVersion: "test", TransformersVersion: cat.TransformersVersion})
	if err != nil {
		t.Fatal(err)
	}
	return world{cat: cat, reg: hardware.Builtin(), gen: gen}
}

func (w world) archs(t *testing.T, names ...string) []catalog.Architecture {
	t.Helper()
	var out []catalog.Architecture
	for _, n := range names {
		a, ok := w.cat.Get(n)
		if !ok {
			t.Fatalf("no %s in the embedded catalog", n)
		}
		out = append(out, a)
	}
	return out
}

func (w world) platforms(t *testing.T, keys ...string) []hardware.Platform {
	t.Helper()
	ps, err := w.reg.Resolve(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// selection is a selection of the world's tests written into a new folder.
func (w world) selection(t *testing.T) Selection {
	return Selection{Catalog: w.cat, Hardware: w.reg, Generator: w.gen, Out: t.TempDir()}
}

func strs[T interface{ String() string }](xs []T) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.String())
	}
	return out
}

func fileIDs(ts []generator.Test) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID.String())
	}
	return out
}

// Generated tests are sorted by id and dealt round-robin: shard i of n gets
// every n-th, starting at the i-th.
func TestSelectGenerate(t *testing.T) {
	w := newWorld(t)
	all := []string{"bert@cpu/fp32/b1/s128", "gpt2@cpu/fp32/b1/s128", "t5@cpu/fp32/b1/s128", "vit@cpu/fp32/b1/s128"}
	for _, tc := range []struct {
		index, count int
		want         []string
	}{
		{0, 0, all},
		{1, 1, all},
		{1, 2, []string{all[0], all[2]}},
		{2, 2, []string{all[1], all[3]}},
		{3, 3, []string{all[2]}},
		{4, 4, []string{all[3]}},
	} {
		s := w.selection(t)
		s.Archs, s.Platforms = w.archs(t, "vit", "t5", "bert", "gpt2"), w.platforms(t, "cpu")
		s.Index, s.Count = tc.index, tc.count
		got, err := Select(s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(strs(got.Cells), tc.want) || !reflect.DeepEqual(fileIDs(got.Files), tc.want) {
			t.Errorf("shard %d of %d: cells %q files %q, want %q", tc.index, tc.count, strs(got.Cells), fileIDs(got.Files), tc.want)
		}
		if got.Planned != nil || got.Hardware != "" {
			t.Errorf("shard %d of %d: planned %v hardware %q without a plan", tc.index, tc.count, got.Planned, got.Hardware)
		}
		// every test of the selection, dealt or not, is written into Out
		written, _ := generator.ReadTests(s.Out)
		if len(written) != len(all) {
			t.Errorf("shard %d of %d: %d files written, want %d", tc.index, tc.count, len(written), len(all))
		}
		for _, f := range got.Files {
			if !strings.HasPrefix(f.File, s.Out) {
				t.Errorf("%s: file %q not in Out", f.ID, f.File)
			}
		}
	}
}

// An incompatible pair is skipped with a note.
func TestSelectSkipsIncompatible(t *testing.T) {
	w := newWorld(t)
	cpu := w.platforms(t, "cpu")[0]
	cpu.SupportedCategories = []string{"vision"}
	var log strings.Builder
	s := w.selection(t)
	s.Archs, s.Platforms, s.Log = w.archs(t, "bert", "vit"), []hardware.Platform{cpu}, &log
	got, err := Select(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"vit@cpu/fp32/b1/s128"}; !reflect.DeepEqual(strs(got.Cells), want) {
		t.Errorf("cells %q, want %q", strs(got.Cells), want)
	}
	if want := "hwcov: 1 incompatible pairs skipped (hwcov generate --dry-run lists them)\n"; log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}
}

// A folder of generated tests keeps the chosen platforms' files, each with
// its architecture and platform.
func TestSelectDir(t *testing.T) {
	w := newWorld(t)
	gen := w.selection(t)
	gen.Archs, gen.Platforms = w.archs(t, "bert", "vit"), w.platforms(t, "cpu", "openvino")
	if _, err := Select(gen); err != nil {
		t.Fatal(err)
	}
	s := Selection{Dir: gen.Out, Platforms: w.platforms(t, "openvino"), Catalog: w.cat}
	got, err := Select(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bert@openvino/fp32/b1/s128", "vit@openvino/fp32/b1/s128"}
	if !reflect.DeepEqual(strs(got.Cells), want) {
		t.Fatalf("cells %q, want %q", strs(got.Cells), want)
	}
	for _, f := range got.Files {
		if f.HW.PlatformKey != "openvino" || f.Arch.Name != f.ID.Model || f.Arch.Category == "" {
			t.Errorf("%s: platform %q arch %+v", f.ID, f.HW.PlatformKey, f.Arch)
		}
	}
	if _, err := Select(Selection{Dir: filepath.Join(t.TempDir(), "none"), Catalog: w.cat}); err == nil {
		t.Error("a missing folder is no error")
	}
}

// A plan's shard renders exactly its tests, and lists every planned test.
func TestSelectPlan(t *testing.T) {
	w := newWorld(t)
	plan := &planner.Plan{Version: 1, Shards: []planner.Shard{
		{ID: "cpu-1of2", Hardware: "cpu", Index: 1, Total: 2, Tests: []string{"bert@cpu/fp32/b1/s128", "vit@cpu/fp32/b2/s128"}},
		{ID: "cpu-2of2", Hardware: "cpu", Index: 2, Total: 2, Tests: []string{"t5@cpu/fp32/b1/s128"}},
		{ID: "openvino-1of1", Hardware: "openvino", Index: 1, Total: 1, Tests: []string{"bert@openvino/fp32/b1/s128"}},
	}}
	s := w.selection(t)
	s.Plan, s.ShardID = plan, "cpu-1of2"
	got, err := Select(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bert@cpu/fp32/b1/s128", "vit@cpu/fp32/b2/s128"}; !reflect.DeepEqual(strs(got.Cells), want) || got.Hardware != "cpu" {
		t.Errorf("cells %q hardware %q, want %q on cpu", strs(got.Cells), got.Hardware, want)
	}
	for _, f := range got.Files {
		if _, err := os.Stat(f.File); err != nil {
			t.Errorf("%s not written: %v", f.ID, err)
		}
	}
	wantPlanned := []store.PlannedTest{
		{TestID: "bert@cpu/fp32/b1/s128", ShardID: "cpu-1of2", Hardware: "cpu"},
		{TestID: "vit@cpu/fp32/b2/s128", ShardID: "cpu-1of2", Hardware: "cpu"},
		{TestID: "t5@cpu/fp32/b1/s128", ShardID: "cpu-2of2", Hardware: "cpu"},
		{TestID: "bert@openvino/fp32/b1/s128", ShardID: "openvino-1of1", Hardware: "openvino"},
	}
	if !reflect.DeepEqual(got.Planned, wantPlanned) {
		t.Errorf("planned %+v, want %+v", got.Planned, wantPlanned)
	}
}

// A plan's errors are typed; the CLI's hints name the fix.
func TestSelectPlanErrors(t *testing.T) {
	w := newWorld(t)
	plan := &planner.Plan{Version: 1, Shards: []planner.Shard{
		{ID: "cpu-1of1", Hardware: "cpu", Tests: []string{"bert@cpu/fp32/b1/s128"}},
		{ID: "bad-1of1", Hardware: "cpu", Tests: []string{"not a test id"}},
		{ID: "ghost-1of1", Hardware: "cpu", Tests: []string{"nosuchmodel@cpu/fp32/b1/s128"}},
	}}
	t.Run("unknown shard", func(t *testing.T) {
		s := w.selection(t)
		s.Plan, s.ShardID = plan, "cpu-9of9"
		_, err := Select(s)
		var ue *planner.UnknownShardError
		if !errors.As(err, &ue) {
			t.Fatalf("err = %v (%T), want *planner.UnknownShardError", err, err)
		}
		var b strings.Builder
		if code := hwerr.Exit(hint.Map(err), &b); code != hwerr.ExitUsage || !strings.Contains(b.String(), `"cpu-9of9"`) ||
			!strings.Contains(b.String(), "\nTry: one of: cpu-1of1, bad-1of1, ghost-1of1\n") {
			t.Errorf("exit %d:\n%s", code, b.String())
		}
	})
	for _, tc := range []struct{ shard, want string }{
		{"bad-1of1", "not a test id"},
		{"ghost-1of1", "nosuchmodel"},
	} {
		t.Run(tc.shard, func(t *testing.T) {
			s := w.selection(t)
			s.Plan, s.ShardID = plan, tc.shard
			if _, err := Select(s); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// A sweep turns each pair into its batch x sequence cells, dealt
// round-robin; the files stay the pairs'.
func TestSelectSweep(t *testing.T) {
	w := newWorld(t)
	var log strings.Builder
	s := w.selection(t)
	s.Archs, s.Platforms, s.Log = w.archs(t, "bert"), w.platforms(t, "cpu"), &log
	s.Sweep = &planner.Sweep{BatchSizes: []int{1, 2}, SeqLens: []int{16, 32}}
	got, err := Select(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bert@cpu/fp32/b1/s16", "bert@cpu/fp32/b2/s16", "bert@cpu/fp32/b1/s32", "bert@cpu/fp32/b2/s32"}
	if !reflect.DeepEqual(strs(got.Cells), want) || len(got.Files) != 1 {
		t.Errorf("cells %q (%d files), want %q of one file", strs(got.Cells), len(got.Files), want)
	}
	if !strings.Contains(log.String(), "hwcov: benchmark sweep: 4 cells (batch 1,2 x seq 16,32), 0 skipped") {
		t.Errorf("log %q", log.String())
	}
	s.Index, s.Count, s.Out = 2, 3, t.TempDir()
	if got, err = Select(s); err != nil || !reflect.DeepEqual(strs(got.Cells), []string{want[1]}) {
		t.Errorf("sweep shard 2 of 3: %q, %v", strs(got.Cells), err)
	}
	// the sweep's cells are of the selection's precision
	s.Index, s.Count, s.Out, s.Precision = 0, 0, t.TempDir(), "bf16"
	if got, err = Select(s); err != nil || len(got.Cells) != 4 || got.Cells[0].String() != "bert@cpu/bf16/b1/s16" {
		t.Errorf("bf16 sweep: %q, %v", strs(got.Cells), err)
	}
	// nothing selected: no cells, no note
	log.Reset()
	s.Archs, s.Index, s.Count = nil, 0, 0
	if got, err = Select(s); err != nil || len(got.Cells) != 0 || log.Len() != 0 {
		t.Errorf("empty sweep: %q, %v, log %q", strs(got.Cells), err, log.String())
	}
}

func TestJoinInts(t *testing.T) {
	for _, tc := range []struct {
		xs   []int
		want string
	}{{nil, ""}, {[]int{1}, "1"}, {[]int{1, 16, 128}, "1,16,128"}} {
		if got := joinInts(tc.xs); got != tc.want {
			t.Errorf("joinInts(%v) = %q, want %q", tc.xs, got, tc.want)
		}
	}
}
