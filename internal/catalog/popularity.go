package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// HubClient asks the HuggingFace Hub API for model download counts.
type HubClient struct {
	BaseURL string // https://huggingface.co, or a mirror / fake
	HTTP    *http.Client
	Token   string // optional HF token; never logged
	PerPage int    // models per page (default 1000)
	Pages   int    // pages to read (default 5)
}

type hubModel struct {
	ID        string `json:"id"`
	Downloads int64  `json:"downloads"`
	Config    struct {
		ModelType string `json:"model_type"`
	} `json:"config"`
}

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// Downloads sums the downloads of the most downloaded models per model_type.
// It reads GET /api/models?sort=downloads&direction=-1&limit=N&expand[]=downloads&expand[]=config
// and follows the Link rel="next" header for Pages pages.
func (h HubClient) Downloads(ctx context.Context) (map[string]int64, error) {
	per, pages := h.PerPage, h.Pages
	if per <= 0 {
		per = 1000
	}
	if pages <= 0 {
		pages = 5
	}
	q := url.Values{}
	q.Set("sort", "downloads")
	q.Set("direction", "-1")
	q.Set("limit", fmt.Sprint(per))
	q.Add("expand[]", "downloads")
	q.Add("expand[]", "config")
	next := strings.TrimRight(h.BaseURL, "/") + "/api/models?" + q.Encode()
	out := map[string]int64{}
	for i := 0; i < pages && next != ""; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		if h.Token != "" {
			req.Header.Set("Authorization", "Bearer "+h.Token)
		}
		resp, err := h.HTTP.Do(req)
		if err != nil {
			return nil, fmt.Errorf("hub %s: %w", redact(next), err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("hub %s: %w", redact(next), err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("hub %s: HTTP %d: %s", redact(next), resp.StatusCode, strings.TrimSpace(string(body[:min(len(body), 200)])))
		}
		var models []hubModel
		if err := json.Unmarshal(body, &models); err != nil {
			return nil, fmt.Errorf("hub %s: parse: %w", redact(next), err)
		}
		for _, m := range models {
			if m.Config.ModelType != "" {
				out[m.Config.ModelType] += m.Downloads
			}
		}
		next = ""
		if mm := nextLink.FindStringSubmatch(resp.Header.Get("Link")); mm != nil {
			next = mm[1]
		}
	}
	return out, nil
}

func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// ApplyPopularity stores downloads and ranks (1 = most downloaded) for the
// architectures the counts name; the others lose any old rank. It returns how
// many architectures got a rank.
func (c *Catalog) ApplyPopularity(downloads map[string]int64, source string) int {
	type kv struct {
		name string
		n    int64
	}
	var ranked []kv
	for i := range c.Architectures {
		a := &c.Architectures[i]
		a.Downloads, a.PopularityRank = downloads[a.Name], 0
		if a.Downloads > 0 {
			ranked = append(ranked, kv{a.Name, a.Downloads})
		}
	}
	sort.Slice(ranked, func(i, j int) bool {
		if ranked[i].n != ranked[j].n {
			return ranked[i].n > ranked[j].n
		}
		return ranked[i].name < ranked[j].name
	})
	for r, x := range ranked {
		c.Architectures[c.byName[x.name]].PopularityRank = r + 1
	}
	c.PopularitySource = source
	return len(ranked)
}
