package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// BenchmarkMerge256 merges 256 shard databases of 1,000 results each into one
// (the target: under 10 s on the 2-core CI machine). Shards are made
// from one template shard with SQL, so setting up does not take 256,000 commits.
func BenchmarkMerge256(b *testing.B) {
	const shards, perShard = 256, 1000
	ctx := context.Background()
	dir := b.TempDir()
	paths := makeShards(b, dir, shards, perShard)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		into, err := Open(filepath.Join(dir, fmt.Sprintf("run-%d.duckdb", i)), Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		added := 0
		err = into.MergeAll(ctx, paths, func(rep MergeReport, err error) error {
			added += rep.NewResults
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		into.Close()
		if added != shards*perShard {
			b.Fatalf("merged %d results, want %d", added, shards*perShard)
		}
	}
}

// makeShards writes shards databases of perShard results each under dir.
func makeShards(b *testing.B, dir string, shards, perShard int) []string {
	ctx := context.Background()
	tmpl := filepath.Join(dir, "template.duckdb")
	db, err := Open(tmpl, Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	if err := db.BeginRun(ctx, results.Run{RunID: "r0", Shard: "cpu-1of256", StartedAt: at}); err != nil {
		b.Fatal(err)
	}
	if err := db.Record(ctx, results.Result{RunID: "r0", TestID: "m0@cpu/fp32/b1/s128", Architecture: "m0", Hardware: "cpu",
		Status: results.StatusPass, SamplesMS: []float64{1, 2, 3, 4, 5}, StartedAt: at, FinishedAt: at}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, fmt.Sprintf(`INSERT INTO comprehensive_test_results BY NAME
		SELECT c.* REPLACE (c.id + t.i AS id, 'm' || t.i || '@cpu/fp32/b1/s128' AS test_id)
		FROM comprehensive_test_results c, range(1, %d) t(i)`, perShard)); err != nil {
		b.Fatal(err)
	}
	db.Close()
	var paths []string
	for k := 0; k < shards; k++ {
		p := filepath.Join(dir, fmt.Sprintf("shard-%03d.duckdb", k))
		copyFile(b, tmpl, p)
		s, err := Open(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		run := fmt.Sprintf("r%d", k)
		if _, err := s.sql.ExecContext(ctx, `UPDATE comprehensive_test_results SET id = id + ? * 1000003, run_id = ?`, k, run); err != nil {
			b.Fatal(err)
		}
		if _, err := s.sql.ExecContext(ctx, `UPDATE runs SET run_id = ?`, run); err != nil {
			b.Fatal(err)
		}
		s.Close()
		paths = append(paths, p)
	}
	return paths
}

func copyFile(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}
