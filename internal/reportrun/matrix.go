package reportrun

import (
	"context"
	"time"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/hardware"
	"github.com/hwcov/hwcov/internal/hint"
	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/workspace"
	"github.com/hwcov/hwcov/reporter"
)

// MatrixRequest is `hwcov report matrix`.
type MatrixRequest struct {
	DB        string
	Category  string   // only this category
	Hardware  []string // these columns (default: the platforms with results)
	AllModels bool     // every catalog architecture, not only those with results
	RunID     string   // one run (default: the newest result per test, lost shards included)
}

// Matrix reads the results and builds the compatibility matrix.
func Matrix(ctx context.Context, w *workspace.Workspace, req MatrixRequest) (reporter.Matrix, error) {
	var cats []string
	if req.Category != "" {
		cat, ok := catalog.NormalizeCategory(req.Category)
		if !ok {
			return reporter.Matrix{}, hint.Select(&catalog.UnknownError{Kind: "category", Name: req.Category, Closest: catalog.Closest(req.Category, catalog.Categories, 3)})
		}
		cats = []string{cat}
	}
	db, err := w.OpenDB(req.DB, true)
	if err != nil {
		return reporter.Matrix{}, err
	}
	defer db.Close()
	rs, err := db.Results(ctx, req.RunID)
	if err != nil {
		return reporter.Matrix{}, err
	}
	if req.RunID == "" {
		if rs, err = db.WithLostShards(ctx, rs); err != nil {
			return reporter.Matrix{}, err
		}
	}
	return BuildMatrix(w, rs, req.Hardware, req.AllModels, cats)
}

// BuildMatrix builds the matrix of rs over the platforms named in hw (else
// those with results): the architectures with results, or every catalog
// architecture with all, of categories cats (empty: all).
func BuildMatrix(w *workspace.Workspace, rs []results.Result, hw []string, all bool, cats []string) (reporter.Matrix, error) {
	c, err := w.Catalog()
	if err != nil {
		return reporter.Matrix{}, err
	}
	reg, err := w.Hardware()
	if err != nil {
		return reporter.Matrix{}, err
	}
	var keys []string
	if len(hw) == 0 {
		keys = reporter.ResultPlatforms(rs, reg.Keys())
	} else {
		ps, err := w.Platforms(hw)
		if err != nil {
			return reporter.Matrix{}, err
		}
		for _, p := range ps {
			keys = append(keys, p.PlatformKey)
		}
	}
	decl, err := w.Declarations()
	if err != nil {
		return reporter.Matrix{}, err
	}
	return reporter.BuildMatrix(reporter.MatrixInput{Archs: reporter.CatalogArchs(c.Architectures), Platforms: keys, Results: rs,
		All: all, Categories: cats, Declared: decl, Compat: hardware.CompatFunc(c, reg)}), nil
}

// DashboardData reads what the dashboard shows from the database at path,
// generated at now; matrixOnly keeps the matrix view alone.
func DashboardData(ctx context.Context, w *workspace.Workspace, path string, now time.Time, matrixOnly bool) (reporter.DashboardInput, error) {
	in := reporter.DashboardInput{Generated: now, MatrixOnly: matrixOnly}
	db, err := w.OpenDB(path, true)
	if err != nil {
		return in, err
	}
	defer db.Close()
	if in, err = reporter.LoadDashboard(ctx, db, in); err != nil {
		return in, err
	}
	c, err := w.Catalog()
	if err != nil {
		return in, err
	}
	reg, err := w.Hardware()
	in.Compat = hardware.CompatFunc(c, reg)
	return in, err
}
