package ghfake

import (
	"archive/zip"
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ---- workflow runs and artifacts

// AddWorkflow makes a workflow file exist on the repository's default
// branch without runs. A workflow file no run or AddWorkflow names answers
// 404 when its runs are listed, as GitHub does for a file that is not on
// the default branch yet.
func (s *Server) AddWorkflow(file string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workflows[file] = true
}

func (s *Server) runJSON(r *WorkflowRun) map[string]any {
	var conclusion any
	if r.Conclusion != "" {
		conclusion = r.Conclusion
	}
	return map[string]any{
		"id": r.ID, "name": strings.TrimSuffix(r.Workflow, ".yml"), "node_id": "WFR_" + strconv.FormatInt(r.ID, 36),
		"head_branch": r.Branch, "head_sha": r.HeadSHA, "path": ".github/workflows/" + r.Workflow,
		"run_number": r.ID % 1000, "run_attempt": 1, "event": r.Event, "status": r.Status, "conclusion": conclusion,
		"workflow_id": r.WorkflowID, "html_url": fmt.Sprintf("https://github.example.com/%s/actions/runs/%d", s.opts.Repo, r.ID),
		"created_at": r.Created.Format(time.RFC3339), "updated_at": r.Created.Format(time.RFC3339),
		"head_repository": map[string]any{"id": 4242, "full_name": r.HeadRepo},
	}
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, p Params) {
	q := r.URL.Query()
	wf := p.Path["workflow_id"]
	s.mu.Lock()
	known := s.workflows[wf]
	for _, run := range s.runs {
		known = known || strconv.FormatInt(run.WorkflowID, 10) == wf
	}
	if !known {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found",
			DocumentationURL: "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow"})
		return
	}
	var match []*WorkflowRun
	for _, run := range s.runs {
		switch {
		case run.Workflow != wf && strconv.FormatInt(run.WorkflowID, 10) != wf:
		case q.Get("branch") != "" && run.Branch != q.Get("branch"):
		case q.Get("event") != "" && run.Event != q.Get("event"):
		case q.Get("head_sha") != "" && run.HeadSHA != q.Get("head_sha"):
		case q.Get("status") != "" && run.Status != q.Get("status") && run.Conclusion != q.Get("status"):
		default:
			match = append(match, run)
		}
	}
	slices.SortFunc(match, func(a, b *WorkflowRun) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	items, ok := page(s, w, r, match)
	out := make([]map[string]any, 0, len(items))
	for _, run := range items {
		out = append(out, s.runJSON(run))
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"total_count": len(match), "workflow_runs": out})
	}
}

func (s *Server) artifactJSON(run *WorkflowRun, a *Artifact) map[string]any {
	base := strings.TrimSuffix(s.api.URL+Prefix, "/") + "/repos/" + s.opts.Repo
	created := run.Created.Format(time.RFC3339)
	return map[string]any{
		"id": a.ID, "node_id": "MDg6QXJ0aWZhY3Q" + strconv.FormatInt(a.ID, 10), "name": a.Name,
		"size_in_bytes": len(s.archive(a)), "url": fmt.Sprintf("%s/actions/artifacts/%d", base, a.ID),
		"archive_download_url": fmt.Sprintf("%s/actions/artifacts/%d/zip", base, a.ID),
		"expired":              a.Expired, "created_at": created, "updated_at": created,
		"expires_at": run.Created.Add(90 * 24 * time.Hour).Format(time.RFC3339),
		"workflow_run": map[string]any{"id": run.ID, "repository_id": 4242, "head_repository_id": 4242,
			"head_branch": run.Branch, "head_sha": run.HeadSHA},
	}
}

// archive is the zip an artifact downloads as.
func (s *Server) archive(a *Artifact) []byte {
	if a.Zip != nil {
		return a.Zip
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(a.Files))
	for n := range a.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, _ := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: epoch})
		f.Write(a.Files[n])
	}
	zw.Close()
	return buf.Bytes()
}

func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request, p Params) {
	id, _ := strconv.ParseInt(p.Path["run_id"], 10, 64)
	name := r.URL.Query().Get("name")
	s.mu.Lock()
	i := slices.IndexFunc(s.runs, func(r *WorkflowRun) bool { return r.ID == id })
	if i < 0 {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
		return
	}
	run := s.runs[i]
	var match []*Artifact
	for k := range run.Artifacts {
		if name == "" || run.Artifacts[k].Name == name {
			match = append(match, &run.Artifacts[k])
		}
	}
	items, ok := page(s, w, r, match)
	out := make([]map[string]any, 0, len(items))
	for _, a := range items {
		out = append(out, s.artifactJSON(run, a))
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"total_count": len(match), "artifacts": out})
	}
}

func (s *Server) findArtifact(id int64) (*WorkflowRun, *Artifact) {
	for _, run := range s.runs {
		for k := range run.Artifacts {
			if run.Artifacts[k].ID == id {
				return run, &run.Artifacts[k]
			}
		}
	}
	return nil, nil
}

func (s *Server) downloadArtifact(w http.ResponseWriter, r *http.Request, p Params) {
	id, _ := strconv.ParseInt(p.Path["artifact_id"], 10, 64)
	if p.Path["archive_format"] != "zip" {
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
		return
	}
	s.mu.Lock()
	_, a := s.findArtifact(id)
	if a == nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
		return
	}
	if a.Expired {
		s.mu.Unlock()
		writeJSON(w, http.StatusGone, ghError{Message: "Artifact has expired"})
		return
	}
	var sig [16]byte
	rand.Read(sig[:])
	key := hex.EncodeToString(sig[:])
	s.blobSigs[key] = id
	s.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("%sartifacts/%d.zip?sig=%s&se=%s", s.BlobURL, id, key,
		url.QueryEscape(time.Now().Add(time.Minute).UTC().Format(time.RFC3339))))
	w.WriteHeader(http.StatusFound)
}

// serveBlob is the storage a download redirects to: it needs the signature
// and refuses a request that carries an Authorization header.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: "blob:" + r.URL.Path, RawQuery: r.URL.RawQuery, Operation: "blob/download"}
	defer func() {
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
	}()
	if r.Header.Get("Authorization") != "" {
		s.errorf("GET %s: the download carried an Authorization header to blob storage", r.URL.Path)
		rec.Status = http.StatusBadRequest
		http.Error(w, "AuthenticationFailed: Authorization header and signature both given", http.StatusBadRequest)
		return
	}
	if s.serveReleaseBlob(w, r, &rec) {
		return
	}
	s.mu.Lock()
	id, ok := s.blobSigs[r.URL.Query().Get("sig")]
	var a *Artifact
	if ok && r.URL.Path == fmt.Sprintf("/artifacts/%d.zip", id) {
		_, a = s.findArtifact(id)
	}
	var data []byte
	if a != nil {
		data = s.archive(a)
	}
	s.mu.Unlock()
	if a == nil {
		rec.Status = http.StatusForbidden
		http.Error(w, "AuthenticationFailed: signature did not match", http.StatusForbidden)
		return
	}
	rec.Status = http.StatusOK
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
