package workspace

import (
	"cmp"
	"context"
	"net/http"
	"time"

	"github.com/hwcov/hwcov/internal/catalog"
	"github.com/hwcov/hwcov/internal/fsutil"
)

// SyncRequest is `hwcov catalog sync`.
type SyncRequest struct {
	Out            string // catalog file (default: hwcov.yaml's)
	Popularity     bool   // also fetch download counts from the Hub
	PopularityOnly bool   // only refresh download counts
	HubURL         string // default: hwcov.yaml's
	Pages          int
	// HTTP, Token and Now are the caller's: its client, HF_TOKEN and clock.
	HTTP  *http.Client
	Token string
	Now   time.Time
}

// Synced is what SyncCatalog wrote.
type Synced struct {
	Path    string
	Catalog *catalog.Catalog
	Ranked  int    // architectures ranked by popularity
	HubURL  string // "" when the Hub was not asked
}

// SyncCatalog reads every architecture from the installed transformers
// (and the download counts from the Hub, when asked) into the catalog file.
func (w *Workspace) SyncCatalog(ctx context.Context, req SyncRequest) (Synced, error) {
	cfg, err := w.Config()
	if err != nil {
		return Synced{}, err
	}
	prev, err := w.Catalog()
	if err != nil {
		return Synced{}, err
	}
	so := catalog.SyncOptions{Prev: prev, Priorities: cfg.Priorities, Now: req.Now}
	if !req.PopularityOnly {
		so.Dump = func(ctx context.Context) ([]byte, error) { return w.RunHarnessScript(ctx, "catalog_sync") }
	}
	s := Synced{Path: cmp.Or(req.Out, cfg.CatalogFile)}
	if req.Popularity || req.PopularityOnly {
		so.Hub = &catalog.HubClient{BaseURL: cmp.Or(req.HubURL, cfg.HubURL), HTTP: req.HTTP, Token: req.Token, Pages: req.Pages}
		s.HubURL = so.Hub.BaseURL
	}
	if s.Catalog, s.Ranked, err = catalog.Sync(ctx, so); err != nil {
		return s, err
	}
	data, err := s.Catalog.Marshal()
	if err != nil {
		return s, err
	}
	return s, fsutil.WriteFileDirs(s.Path, data)
}
