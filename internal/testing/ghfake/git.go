package ghfake

import (
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitCommit is a commit of the fake repository.
type GitCommit struct {
	SHA     string
	Tree    string
	Parents []string
	Message string
	// Author is the commit's author name; Login the user whose token made it.
	Author string
	Login  string
}

// gitState is the repository's object store and refs. Trees are flat:
// path -> blob sha.
type gitState struct {
	blobs   map[string]string
	trees   map[string]map[string]string
	commits map[string]*GitCommit
	refs    map[string]string // "heads/main" -> commit sha
}

func (g *gitState) init() {
	g.blobs = map[string]string{}
	g.trees = map[string]map[string]string{}
	g.commits = map[string]*GitCommit{}
	g.refs = map[string]string{}
	root := g.commit(map[string]string{"README.md": "# demo\n"}, nil, "initial commit", "octo", "octo")
	g.refs["heads/main"] = root
}

func gitHash(kind string, data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(data))
	h.Write(data)
	return fmt.Sprintf("%x", h.Sum(nil))
}

func (g *gitState) blob(content string) string {
	sha := gitHash("blob", []byte(content))
	g.blobs[sha] = content
	return sha
}

// tree stores a flat tree (path -> blob sha) and returns its sha.
func (g *gitState) tree(entries map[string]string) string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(entries)) {
		fmt.Fprintf(&b, "%s\x00%s\n", p, entries[p])
	}
	sha := gitHash("tree", []byte(b.String()))
	g.trees[sha] = maps.Clone(entries)
	return sha
}

func (g *gitState) commitTree(tree string, parents []string, msg, author, login string) string {
	data := fmt.Sprintf("tree %s\nparents %s\nauthor %s\nlogin %s\n\n%s", tree, strings.Join(parents, " "), author, login, msg)
	sha := gitHash("commit", []byte(data))
	g.commits[sha] = &GitCommit{SHA: sha, Tree: tree, Parents: slices.Clone(parents), Message: msg, Author: author, Login: login}
	return sha
}

// commit stores files (path -> content) as a commit's whole tree.
func (g *gitState) commit(files map[string]string, parents []string, msg, author, login string) string {
	entries := map[string]string{}
	for p, c := range files {
		entries[p] = g.blob(c)
	}
	return g.commitTree(g.tree(entries), parents, msg, author, login)
}

// resolve reads a branch name or a commit sha.
func (g *gitState) resolve(rev string) (string, bool) {
	if sha, ok := g.refs["heads/"+rev]; ok {
		return sha, true
	}
	_, ok := g.commits[rev]
	return rev, ok
}

// reachable returns every commit reachable from sha.
func (g *gitState) reachable(sha string) map[string]bool {
	seen := map[string]bool{}
	todo := []string{sha}
	for len(todo) > 0 {
		c := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[c] || g.commits[c] == nil {
			continue
		}
		seen[c] = true
		todo = append(todo, g.commits[c].Parents...)
	}
	return seen
}

// ---- helpers for tests

// Ref returns the commit a branch points at.
func (s *Server) Ref(branch string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sha, ok := s.git.refs["heads/"+branch]
	return sha, ok
}

// Files returns the files of a branch or commit: path -> content.
func (s *Server) Files(rev string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sha, ok := s.git.resolve(rev)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for p, b := range s.git.trees[s.git.commits[sha].Tree] {
		out[p] = s.git.blobs[b]
	}
	return out
}

// Commit returns a commit by sha.
func (s *Server) Commit(sha string) (GitCommit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.git.commits[sha]
	if !ok {
		return GitCommit{}, false
	}
	return *c, true
}

// Push commits files (path -> content, added to or replacing the branch's
// files) on top of branch as login, as a person pushing would, and returns
// the new commit's sha. The branch is created from main when absent.
func (s *Server) Push(branch, login, message string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	head, ok := s.git.refs["heads/"+branch]
	if !ok {
		head = s.git.refs["heads/main"]
	}
	entries := maps.Clone(s.git.trees[s.git.commits[head].Tree])
	for p, c := range files {
		entries[p] = s.git.blob(c)
	}
	sha := s.git.commitTree(s.git.tree(entries), []string{head}, message, login, login)
	s.git.refs["heads/"+branch] = sha
	return sha
}

// Pulls returns every pull request, by number.
func (s *Server) Pulls() []PullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PullRequest
	for _, n := range slices.Sorted(maps.Keys(s.pulls)) {
		p := *s.pulls[n]
		p.Labels = slices.Clone(p.Labels)
		out = append(out, p)
	}
	return out
}

// ---- git data API

func (s *Server) repoURL() string {
	return strings.TrimSuffix(s.api.URL+Prefix, "/") + "/repos/" + s.opts.Repo
}

func (s *Server) refJSON(ref, sha string) map[string]any {
	return map[string]any{"ref": "refs/" + ref, "node_id": "REF_" + base64.RawStdEncoding.EncodeToString([]byte(ref)),
		"url":    s.repoURL() + "/git/refs/" + ref,
		"object": map[string]any{"type": "commit", "sha": sha, "url": s.repoURL() + "/git/commits/" + sha}}
}

func unprocessable(w http.ResponseWriter, msg, docs string) {
	writeJSON(w, http.StatusUnprocessableEntity, ghError{Message: msg, DocumentationURL: "https://docs.github.com/rest/" + docs})
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request, p Params) {
	s.mu.Lock()
	sha, ok := s.git.refs[p.Path["ref"]]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found", DocumentationURL: "https://docs.github.com/rest/git/refs#get-a-reference"})
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(p.Path["ref"], sha))
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request, p Params) {
	var in struct{ Ref, SHA string }
	json.NewDecoder(r.Body).Decode(&in)
	ref, ok := strings.CutPrefix(in.Ref, "refs/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !ok || strings.Count(ref, "/") < 1:
		unprocessable(w, "Reference name is invalid", "git/refs#create-a-reference")
	case s.git.refs[ref] != "":
		unprocessable(w, "Reference already exists", "git/refs#create-a-reference")
	case s.git.commits[in.SHA] == nil:
		unprocessable(w, "Object does not exist", "git/refs#create-a-reference")
	default:
		s.git.refs[ref] = in.SHA
		writeJSON(w, http.StatusCreated, s.refJSON(ref, in.SHA))
	}
}

// updateRef serves PATCH (move, force or fast-forward) and DELETE.
func (s *Server) updateRef(w http.ResponseWriter, r *http.Request, p Params) {
	ref := p.Path["ref"]
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.git.refs[ref]
	if !ok {
		unprocessable(w, "Reference does not exist", "git/refs#update-a-reference")
		return
	}
	if r.Method == http.MethodDelete {
		delete(s.git.refs, ref)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var in struct {
		SHA   string
		Force bool
	}
	json.NewDecoder(r.Body).Decode(&in)
	switch {
	case s.git.commits[in.SHA] == nil:
		unprocessable(w, "Object does not exist", "git/refs#update-a-reference")
	case !in.Force && !s.git.reachable(in.SHA)[old]:
		unprocessable(w, "Update is not a fast forward", "git/refs#update-a-reference")
	default:
		s.git.refs[ref] = in.SHA
		writeJSON(w, http.StatusOK, s.refJSON(ref, in.SHA))
	}
}

func (s *Server) createBlob(w http.ResponseWriter, r *http.Request, p Params) {
	var in struct{ Content, Encoding string }
	json.NewDecoder(r.Body).Decode(&in)
	content := in.Content
	if in.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(in.Content)
		if err != nil {
			unprocessable(w, "content is not valid Base64", "git/blobs#create-a-blob")
			return
		}
		content = string(b)
	}
	s.mu.Lock()
	sha := s.git.blob(content)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"sha": sha, "url": s.repoURL() + "/git/blobs/" + sha})
}

func (s *Server) createTree(w http.ResponseWriter, r *http.Request, p Params) {
	var in struct {
		BaseTree string `json:"base_tree"`
		Tree     []struct {
			Path, Mode, Type string
			SHA              *string
			Content          *string
		}
	}
	json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := map[string]string{}
	if in.BaseTree != "" {
		base, ok := s.git.trees[in.BaseTree]
		if !ok {
			unprocessable(w, "Invalid tree info", "git/trees#create-a-tree")
			return
		}
		entries = maps.Clone(base)
	}
	for _, e := range in.Tree {
		switch {
		case e.Content != nil:
			entries[e.Path] = s.git.blob(*e.Content)
		case e.SHA == nil:
			delete(entries, e.Path) // sha: null deletes the file
		default:
			if _, ok := s.git.blobs[*e.SHA]; !ok {
				unprocessable(w, "Invalid tree info", "git/trees#create-a-tree")
				return
			}
			entries[e.Path] = *e.SHA
		}
	}
	sha := s.git.tree(entries)
	out := make([]map[string]any, 0, len(entries))
	for _, path := range slices.Sorted(maps.Keys(entries)) {
		out = append(out, map[string]any{"path": path, "mode": "100644", "type": "blob", "sha": entries[path]})
	}
	writeJSON(w, http.StatusCreated, map[string]any{"sha": sha, "url": s.repoURL() + "/git/trees/" + sha, "tree": out, "truncated": false})
}

func (s *Server) commitJSON(c *GitCommit) map[string]any {
	parents := make([]map[string]any, 0, len(c.Parents))
	for _, p := range c.Parents {
		parents = append(parents, map[string]any{"sha": p, "url": s.repoURL() + "/git/commits/" + p})
	}
	who := map[string]any{"name": c.Author, "email": c.Author + "@users.noreply.github.example.com", "date": epoch.Format(time.RFC3339)}
	return map[string]any{
		"sha": c.SHA, "node_id": "C_" + c.SHA[:10], "url": s.repoURL() + "/git/commits/" + c.SHA,
		"html_url": fmt.Sprintf("https://github.example.com/%s/commit/%s", s.opts.Repo, c.SHA),
		"message":  c.Message, "author": who, "committer": who, "parents": parents,
		"tree":         map[string]any{"sha": c.Tree, "url": s.repoURL() + "/git/trees/" + c.Tree},
		"verification": map[string]any{"verified": true, "reason": "valid", "signature": nil, "payload": nil},
	}
}

func (s *Server) createCommit(w http.ResponseWriter, r *http.Request, p Params) {
	var in struct {
		Message string
		Tree    string
		Parents []string
		Author  *struct{ Name string }
	}
	json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.git.trees[in.Tree]; !ok {
		unprocessable(w, "Tree SHA does not exist", "git/commits#create-a-commit")
		return
	}
	for _, par := range in.Parents {
		if s.git.commits[par] == nil {
			unprocessable(w, "Parent SHA does not exist or is not a commit object", "git/commits#create-a-commit")
			return
		}
	}
	author := p.Login
	if in.Author != nil && in.Author.Name != "" {
		author = in.Author.Name
	}
	sha := s.git.commitTree(in.Tree, in.Parents, in.Message, author, p.Login)
	writeJSON(w, http.StatusCreated, s.commitJSON(s.git.commits[sha]))
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request, p Params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.git.commits[p.Path["commit_sha"]]
	if c == nil {
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
		return
	}
	writeJSON(w, http.StatusOK, s.commitJSON(c))
}

// compare answers BASE...HEAD (branch names or shas): the commits reachable
// from HEAD and not from BASE, oldest first.
func (s *Server) compare(w http.ResponseWriter, r *http.Request, p Params) {
	base, head, ok := strings.Cut(p.Path["basehead"], "...")
	s.mu.Lock()
	defer s.mu.Unlock()
	b, okB := s.git.resolve(base)
	h, okH := s.git.resolve(head)
	if !ok || !okB || !okH {
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
		return
	}
	fromBase, fromHead := s.git.reachable(b), s.git.reachable(h)
	var ahead []*GitCommit
	for c := h; c != "" && !fromBase[c]; {
		gc := s.git.commits[c]
		ahead = append(ahead, gc)
		c = ""
		for _, par := range gc.Parents {
			if !fromBase[par] {
				c = par
				break
			}
		}
	}
	slices.Reverse(ahead)
	behind := 0
	for c := range fromBase {
		if !fromHead[c] {
			behind++
		}
	}
	commits := make([]map[string]any, 0, len(ahead))
	for _, c := range ahead {
		commits = append(commits, map[string]any{"sha": c.SHA, "node_id": "C_" + c.SHA[:10], "url": s.repoURL() + "/commits/" + c.SHA,
			"commit": s.commitJSON(c), "author": s.userJSON(c.Login), "committer": s.userJSON(c.Login), "parents": []any{}})
	}
	status := "ahead"
	switch {
	case len(ahead) == 0 && behind == 0:
		status = "identical"
	case len(ahead) == 0:
		status = "behind"
	case behind > 0:
		status = "diverged"
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "ahead_by": len(ahead), "behind_by": behind,
		"total_commits": len(ahead), "commits": commits, "files": []any{},
		"html_url": fmt.Sprintf("https://github.example.com/%s/compare/%s", s.opts.Repo, p.Path["basehead"])})
}

// ---- pulls

func (s *Server) pullJSON(pr *PullRequest) map[string]any {
	head := pr.HeadSHA
	if head == "" {
		head = s.git.refs["heads/"+pr.HeadRef]
	}
	labels := make([]map[string]any, 0, len(pr.Labels))
	for _, l := range pr.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	title := cmp.Or(pr.Title, fmt.Sprintf("PR %d", pr.Number))
	return map[string]any{
		"id": 9000 + pr.Number, "number": pr.Number, "state": cmp.Or(pr.State, "open"), "title": title, "body": pr.Body,
		"html_url": fmt.Sprintf("https://github.example.com/%s/pull/%d", s.opts.Repo, pr.Number),
		"user":     s.userJSON(cmp.Or(pr.Login, "octo")), "labels": labels,
		"head": map[string]any{"sha": head, "ref": pr.HeadRef, "repo": map[string]any{"full_name": pr.HeadRepo}},
		"base": map[string]any{"sha": s.git.refs["heads/"+cmp.Or(pr.BaseRef, "main")], "ref": cmp.Or(pr.BaseRef, "main"),
			"repo": map[string]any{"full_name": s.opts.Repo}},
	}
}

// pullAt returns the pull request whose number is the path parameter
// param, or answers 404. The caller holds s.mu.
func (s *Server) pullAt(w http.ResponseWriter, p Params, param string) *PullRequest {
	n, _ := strconv.Atoi(p.Path[param])
	pr := s.pulls[n]
	if pr == nil {
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
	}
	return pr
}

// pull serves GET and PATCH (title, body, state, base) of a pull request.
func (s *Server) pull(w http.ResponseWriter, r *http.Request, p Params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.pullAt(w, p, "pull_number")
	if pr == nil {
		return
	}
	if r.Method == http.MethodPatch {
		var in struct{ Title, Body, State, Base *string }
		json.NewDecoder(r.Body).Decode(&in)
		for _, f := range []struct{ dst, src *string }{{&pr.Title, in.Title}, {&pr.Body, in.Body}, {&pr.State, in.State}, {&pr.BaseRef, in.Base}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
	}
	writeJSON(w, http.StatusOK, s.pullJSON(pr))
}

// listPulls filters by state (default open), head ("owner:branch") and base.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request, p Params) {
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*PullRequest
	for _, n := range slices.Sorted(maps.Keys(s.pulls)) {
		pr := s.pulls[n]
		headOwner, _, _ := strings.Cut(pr.HeadRepo, "/")
		switch {
		case state != "all" && cmp.Or(pr.State, "open") != state:
		case q.Get("head") != "" && q.Get("head") != headOwner+":"+pr.HeadRef:
		case q.Get("base") != "" && q.Get("base") != cmp.Or(pr.BaseRef, "main"):
		default:
			match = append(match, pr)
		}
	}
	slices.Reverse(match) // newest first, as GitHub's default sort=created&direction=desc
	items, ok := page(s, w, r, match)
	if !ok {
		return
	}
	out := make([]map[string]any, 0, len(items))
	for _, pr := range items {
		out = append(out, s.pullJSON(pr))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request, p Params) {
	var in struct{ Title, Head, Base, Body string }
	json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	defer s.mu.Unlock()
	head, okH := s.git.refs["heads/"+in.Head]
	base, okB := s.git.refs["heads/"+in.Base]
	docs := "pulls/pulls#create-a-pull-request"
	if !okH || !okB {
		unprocessable(w, "Validation Failed: head or base branch does not exist", docs)
		return
	}
	for _, pr := range s.pulls {
		if pr.HeadRef == in.Head && pr.HeadRepo == s.opts.Repo && cmp.Or(pr.State, "open") == "open" {
			owner, _, _ := strings.Cut(s.opts.Repo, "/")
			unprocessable(w, "Validation Failed: A pull request already exists for "+owner+":"+in.Head+".", docs)
			return
		}
	}
	if s.git.reachable(base)[head] {
		unprocessable(w, "Validation Failed: No commits between "+in.Base+" and "+in.Head, docs)
		return
	}
	n := 1
	for k := range s.pulls {
		n = max(n, k+1)
	}
	pr := &PullRequest{Number: n, HeadRef: in.Head, HeadRepo: s.opts.Repo, BaseRef: in.Base, Title: in.Title,
		Body: in.Body, State: "open", Login: p.Login}
	s.pulls[n] = pr
	writeJSON(w, http.StatusCreated, s.pullJSON(pr))
}

func (s *Server) addLabels(w http.ResponseWriter, r *http.Request, p Params) {
	var in struct{ Labels []string }
	json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.pullAt(w, p, "issue_number")
	if pr == nil {
		return
	}
	for _, l := range in.Labels {
		if !slices.Contains(pr.Labels, l) {
			pr.Labels = append(pr.Labels, l)
		}
	}
	out := make([]map[string]any, 0, len(pr.Labels))
	for i, l := range pr.Labels {
		out = append(out, map[string]any{"id": 7000 + i, "node_id": "LA_" + l, "url": s.repoURL() + "/labels/" + l,
			"name": l, "color": "ededed", "default": false, "description": nil})
	}
	writeJSON(w, http.StatusOK, out)
}
