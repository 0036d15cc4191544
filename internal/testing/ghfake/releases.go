package ghfake

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Release is a published release of a repository and its assets.
type Release struct {
	ID int64
	// Repo is the repository, "owner/name" (default the server's): a
	// release can be published on another repository, such as the
	// action's own, and only its release operations answer for it.
	Repo       string
	Tag        string
	Name       string // default Tag
	Draft      bool
	Prerelease bool
	Created    time.Time
	Assets     []ReleaseAsset
}

// ReleaseAsset is a file attached to a release.
type ReleaseAsset struct {
	ID          int64
	Name        string
	ContentType string // default application/octet-stream
	Data        []byte
}

// PublishRelease publishes a release and returns its id; the release and
// its assets get ids when they have none. A second release of the same
// repository and tag replaces the first.
func (s *Server) PublishRelease(rel Release) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := rel
	if r.ID == 0 {
		r.ID = s.id()
	}
	r.Repo = cmp.Or(r.Repo, s.opts.Repo)
	r.Name = cmp.Or(r.Name, r.Tag)
	if r.Created.IsZero() {
		r.Created = s.clock()
	}
	r.Assets = slices.Clone(r.Assets)
	for i := range r.Assets {
		if r.Assets[i].ID == 0 {
			r.Assets[i].ID = s.id()
		}
		r.Assets[i].ContentType = cmp.Or(r.Assets[i].ContentType, "application/octet-stream")
	}
	s.releases = slices.DeleteFunc(s.releases, func(o *Release) bool {
		return strings.EqualFold(o.Repo, r.Repo) && o.Tag == r.Tag
	})
	s.releases = append(s.releases, &r)
	return r.ID
}

// hasReleases reports whether a release was published on repo.
func (s *Server) hasReleases(repo string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.releases, func(r *Release) bool { return strings.EqualFold(r.Repo, repo) })
}

// isReleaseOp reports whether an operation reads releases, which may
// answer for a repository other than the server's.
func isReleaseOp(op string) bool {
	switch op {
	case "repos/list-releases", "repos/get-release-by-tag", "repos/list-release-assets", "repos/get-release-asset":
		return true
	}
	return false
}

func repoOf(p Params) string { return p.Path["owner"] + "/" + p.Path["repo"] }

func (s *Server) releaseJSON(r *Release) map[string]any {
	base := strings.TrimSuffix(s.api.URL+Prefix, "/") + "/repos/" + r.Repo
	owner, _, _ := strings.Cut(r.Repo, "/")
	assets := make([]map[string]any, 0, len(r.Assets))
	for i := range r.Assets {
		assets = append(assets, s.assetJSON(r, &r.Assets[i]))
	}
	created := r.Created.Format(time.RFC3339)
	return map[string]any{
		"id": r.ID, "node_id": "RE_" + strconv.FormatInt(r.ID, 36), "tag_name": r.Tag, "name": r.Name,
		"target_commitish": "main", "draft": r.Draft, "prerelease": r.Prerelease,
		"url":         fmt.Sprintf("%s/releases/%d", base, r.ID),
		"assets_url":  fmt.Sprintf("%s/releases/%d/assets", base, r.ID),
		"upload_url":  fmt.Sprintf("%s/releases/%d/assets{?name,label}", base, r.ID),
		"html_url":    fmt.Sprintf("%s%s/releases/tag/%s", s.BlobURL, r.Repo, url.PathEscape(r.Tag)),
		"tarball_url": fmt.Sprintf("%s/tarball/%s", base, url.PathEscape(r.Tag)),
		"zipball_url": fmt.Sprintf("%s/zipball/%s", base, url.PathEscape(r.Tag)),
		"created_at":  created, "published_at": created, "author": s.userJSON(owner), "assets": assets,
	}
}

func (s *Server) assetJSON(r *Release, a *ReleaseAsset) map[string]any {
	base := strings.TrimSuffix(s.api.URL+Prefix, "/") + "/repos/" + r.Repo
	sum := sha256.Sum256(a.Data)
	created := r.Created.Format(time.RFC3339)
	return map[string]any{
		"id": a.ID, "node_id": "RA_" + strconv.FormatInt(a.ID, 36), "name": a.Name, "label": nil,
		"content_type": a.ContentType, "size": len(a.Data), "state": "uploaded", "download_count": 0,
		"digest":               "sha256:" + hex.EncodeToString(sum[:]),
		"url":                  fmt.Sprintf("%s/releases/assets/%d", base, a.ID),
		"browser_download_url": s.browserURL(r, a),
		"uploader":             s.userJSON("github-actions[bot]"),
		"created_at":           created, "updated_at": created,
	}
}

// browserURL is where a browser downloads an asset: on GitHub
// https://github.com/OWNER/REPO/releases/download/TAG/NAME, here on the
// storage server (GITHUB_SERVER_URL of a test).
func (s *Server) browserURL(r *Release, a *ReleaseAsset) string {
	return fmt.Sprintf("%s%s/releases/download/%s/%s", s.BlobURL, r.Repo, url.PathEscape(r.Tag), url.PathEscape(a.Name))
}

// published lists repo's releases a reader sees (no drafts), newest first.
func (s *Server) published(repo string) []*Release {
	var out []*Release
	for _, r := range s.releases {
		if strings.EqualFold(r.Repo, repo) && !r.Draft {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Release) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	return out
}

func notFound(w http.ResponseWriter, docs string) {
	writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found", DocumentationURL: docs})
}

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request, p Params) {
	s.mu.Lock()
	items, ok := page(s, w, r, s.published(repoOf(p)))
	out := make([]map[string]any, 0, len(items))
	for _, rel := range items {
		out = append(out, s.releaseJSON(rel))
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) getReleaseByTag(w http.ResponseWriter, r *http.Request, p Params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rel := range s.published(repoOf(p)) {
		if rel.Tag == p.Path["tag"] {
			writeJSON(w, http.StatusOK, s.releaseJSON(rel))
			return
		}
	}
	notFound(w, "https://docs.github.com/rest/releases/releases#get-a-release-by-tag-name")
}

func (s *Server) listReleaseAssets(w http.ResponseWriter, r *http.Request, p Params) {
	id, _ := strconv.ParseInt(p.Path["release_id"], 10, 64)
	s.mu.Lock()
	i := slices.IndexFunc(s.releases, func(rel *Release) bool { return rel.ID == id && strings.EqualFold(rel.Repo, repoOf(p)) })
	if i < 0 {
		s.mu.Unlock()
		notFound(w, "https://docs.github.com/rest/releases/assets#list-release-assets")
		return
	}
	rel := s.releases[i]
	all := make([]*ReleaseAsset, 0, len(rel.Assets))
	for k := range rel.Assets {
		all = append(all, &rel.Assets[k])
	}
	items, ok := page(s, w, r, all)
	out := make([]map[string]any, 0, len(items))
	for _, a := range items {
		out = append(out, s.assetJSON(rel, a))
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, out)
	}
}

// findAsset returns the release asset with id on repo ("" for any).
func (s *Server) findAsset(repo string, id int64) (*Release, *ReleaseAsset) {
	for _, rel := range s.releases {
		if repo != "" && !strings.EqualFold(rel.Repo, repo) {
			continue
		}
		for k := range rel.Assets {
			if rel.Assets[k].ID == id {
				return rel, &rel.Assets[k]
			}
		}
	}
	return nil, nil
}

// getReleaseAsset answers the asset's JSON, or with Accept:
// application/octet-stream a 302 to signed storage, as GitHub does.
func (s *Server) getReleaseAsset(w http.ResponseWriter, r *http.Request, p Params) {
	id, _ := strconv.ParseInt(p.Path["asset_id"], 10, 64)
	s.mu.Lock()
	rel, a := s.findAsset(repoOf(p), id)
	if a == nil {
		s.mu.Unlock()
		notFound(w, "https://docs.github.com/rest/releases/assets#get-a-release-asset")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/octet-stream") {
		body := s.assetJSON(rel, a)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, body)
		return
	}
	var sig [16]byte
	rand.Read(sig[:])
	key := hex.EncodeToString(sig[:])
	s.blobSigs[key] = id
	s.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("%sreleases/%d/%s?sig=%s&se=%s", s.BlobURL, id, url.PathEscape(a.Name), key,
		url.QueryEscape(time.Now().Add(5*time.Minute).UTC().Format(time.RFC3339))))
	w.WriteHeader(http.StatusFound)
}

// serveReleaseBlob serves a release asset from storage: the signed URL a
// download through the API redirects to (releases/ID/NAME?sig=...), or the
// public browser download URL (OWNER/REPO/releases/download/TAG/NAME). It
// reports whether path was one of them.
func (s *Server) serveReleaseBlob(w http.ResponseWriter, r *http.Request, rec *Request) bool {
	path := strings.TrimPrefix(r.URL.Path, "/")
	var data []byte
	var found bool
	s.mu.Lock()
	if rest, ok := strings.CutPrefix(path, "releases/"); ok {
		rec.Operation = "blob/release-asset"
		idStr, _, _ := strings.Cut(rest, "/")
		id, _ := strconv.ParseInt(idStr, 10, 64)
		if sid, ok := s.blobSigs[r.URL.Query().Get("sig")]; ok && sid == id {
			if _, a := s.findAsset("", id); a != nil {
				data, found = a.Data, true
			}
		}
		if !found {
			s.mu.Unlock()
			rec.Status = http.StatusForbidden
			http.Error(w, "AuthenticationFailed: signature did not match", http.StatusForbidden)
			return true
		}
	} else if parts := strings.Split(path, "/"); len(parts) == 6 && parts[2] == "releases" && parts[3] == "download" {
		rec.Operation = "browser/release-download"
		for _, rel := range s.published(parts[0] + "/" + parts[1]) {
			if tag, _ := url.PathUnescape(parts[4]); rel.Tag != tag {
				continue
			}
			for _, a := range rel.Assets {
				if name, _ := url.PathUnescape(parts[5]); a.Name == name {
					data, found = a.Data, true
				}
			}
		}
		if !found {
			s.mu.Unlock()
			rec.Status = http.StatusNotFound
			http.Error(w, "Not Found", http.StatusNotFound)
			return true
		}
	} else {
		s.mu.Unlock()
		return false
	}
	s.mu.Unlock()
	rec.Status = http.StatusOK
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
	return true
}
