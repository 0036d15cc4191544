package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hwcov/hwcov/internal/fingerprint"
)

// A saved fingerprint is never replaced: new rules regroup new results only.
func TestSaveFingerprintsKeepsOld(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := fingerprint.Stored{ResultID: 7, ID: "aaaaaaaaaaaa", RuleVersion: "fp-0", Signature: "boom <n>", Rules: []string{"number"}}
	if err := db.SaveFingerprints(ctx, []fingerprint.Stored{old}); err != nil {
		t.Fatal(err)
	}
	newer := fingerprint.Stored{ResultID: 7, ID: "bbbbbbbbbbbb", RuleVersion: fingerprint.RuleVersion, Signature: "boom"}
	other := fingerprint.Stored{ResultID: 8, ID: "cccccccccccc", RuleVersion: fingerprint.RuleVersion, Signature: "bang"}
	if err := db.SaveFingerprints(ctx, []fingerprint.Stored{newer, other}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Fingerprints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g := got[7]; g.ID != old.ID || g.RuleVersion != "fp-0" || len(g.Rules) != 1 || g.Rules[0] != "number" {
		t.Errorf("result 7: %+v, want the old fingerprint", g)
	}
	if g := got[8]; g.ID != other.ID || len(g.Rules) != 0 {
		t.Errorf("result 8: %+v", g)
	}
}

// Merge copies a shard's fingerprints; one already in the target wins.
func TestMergeFingerprints(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func(name string) *DB {
		db, err := Open(filepath.Join(dir, name), Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	src := open("shard.duckdb")
	if err := src.SaveFingerprints(ctx, []fingerprint.Stored{
		{ResultID: 1, ID: "111111111111", RuleVersion: "fp-1", Signature: "a"},
		{ResultID: 2, ID: "222222222222", RuleVersion: "fp-1", Signature: "b"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	dst := open("merged.duckdb")
	defer dst.Close()
	if err := dst.SaveFingerprints(ctx, []fingerprint.Stored{{ResultID: 1, ID: "000000000000", RuleVersion: "fp-0", Signature: "old"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Merge(ctx, filepath.Join(dir, "shard.duckdb")); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Fingerprints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got[1].ID != "000000000000" || got[2].ID != "222222222222" {
		t.Errorf("merged fingerprints: %+v", got)
	}
}
