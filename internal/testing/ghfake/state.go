package ghfake

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxCommentChars is GitHub's limit on an issue comment body.
const MaxCommentChars = 65536

// epoch is the fake's clock: object n is created n seconds after it.
var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Comment is an issue or pull request comment.
type Comment struct {
	ID      int64
	Issue   int
	Login   string
	Body    string
	Created time.Time
	Updated time.Time
	Edits   int
}

// CheckRun is a check run and every annotation sent to it.
type CheckRun struct {
	ID          int64
	Name        string
	HeadSHA     string
	ExternalID  string
	Status      string
	Conclusion  string
	DetailsURL  string
	Title       string
	Summary     string
	Text        string
	Annotations []Annotation
	// Requests counts the create and update requests that built it.
	Requests int
}

// Annotation is one check run annotation.
type Annotation struct {
	Path            string `json:"path"`
	StartLine       int    `json:"start_line"`
	EndLine         int    `json:"end_line"`
	AnnotationLevel string `json:"annotation_level"`
	Message         string `json:"message"`
	Title           string `json:"title,omitempty"`
	RawDetails      string `json:"raw_details,omitempty"`
}

// WorkflowRun is a run of a workflow, with its artifacts.
type WorkflowRun struct {
	ID         int64
	Workflow   string // file name, e.g. "hwcov.yml"
	WorkflowID int64
	Branch     string
	Event      string // push, pull_request, schedule, ...
	Status     string // completed, in_progress, ...
	Conclusion string // success, failure, ...
	HeadSHA    string
	// HeadRepo is the repository the commit came from, "owner/name"; a fork
	// for a pull request from one. Default: the server's repository.
	HeadRepo  string
	Created   time.Time
	Artifacts []Artifact
}

// Artifact is a workflow run artifact.
type Artifact struct {
	ID      int64
	Name    string
	Expired bool
	// Files are zipped when the artifact is downloaded.
	Files map[string][]byte
	// Zip, when set, is served as the archive as it is (a corrupt one, a
	// zip bomb).
	Zip []byte
}

// PullRequest is a pull request: its number and head, and for one opened
// through the API its title, body, base, state, labels and author.
type PullRequest struct {
	Number int
	// HeadSHA is the head commit; empty follows the branch HeadRef.
	HeadSHA  string
	HeadRef  string
	HeadRepo string // "owner/name", a fork or the repository itself
	BaseRef  string // default "main"
	Title    string
	Body     string
	State    string // "open" (default) or "closed"
	Labels   []string
	Login    string // who opened it
}

type state struct {
	nextID   int64
	comments []*Comment
	checks   []*CheckRun
	runs     []*WorkflowRun
	releases []*Release
	pulls    map[int]*PullRequest
	blobSigs map[string]int64 // download signature -> artifact id
	// workflows are the workflow files that exist (AddWorkflow or a run).
	workflows map[string]bool
	git       gitState
}

func (st *state) init() {
	st.nextID = 1000
	st.pulls = map[int]*PullRequest{}
	st.blobSigs = map[string]int64{}
	st.workflows = map[string]bool{}
	st.git.init()
}

func (st *state) id() int64 {
	st.nextID++
	return st.nextID
}

func (st *state) clock() time.Time { return epoch.Add(time.Duration(st.nextID-1000) * time.Second) }

// AddComment adds a comment by login to an issue and returns its id.
func (s *Server) AddComment(issue int, login, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Comment{ID: s.id(), Issue: issue, Login: login, Body: body}
	c.Created, c.Updated = s.clock(), s.clock()
	s.comments = append(s.comments, c)
	return c.ID
}

// Comments returns the comments of an issue, oldest first.
func (s *Server) Comments(issue int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Issue == issue {
			out = append(out, *c)
		}
	}
	return out
}

// CheckRuns returns every check run, oldest first.
func (s *Server) CheckRuns() []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, c := range s.checks {
		cr := *c
		cr.Annotations = slices.Clone(c.Annotations)
		out = append(out, cr)
	}
	return out
}

// AddWorkflowRun adds a workflow run and returns its id. Zero fields get
// defaults: a completed, successful push to main of hwcov.yml; artifacts
// without an id get one.
func (s *Server) AddWorkflowRun(run WorkflowRun) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := run
	if r.ID == 0 {
		r.ID = s.id()
	}
	r.Workflow = cmp.Or(r.Workflow, "hwcov.yml")
	if r.WorkflowID == 0 {
		r.WorkflowID = 161335
	}
	r.Branch = cmp.Or(r.Branch, "main")
	r.Event = cmp.Or(r.Event, "push")
	r.Status = cmp.Or(r.Status, "completed")
	if r.Status == "completed" {
		r.Conclusion = cmp.Or(r.Conclusion, "success")
	}
	r.HeadSHA = cmp.Or(r.HeadSHA, fmt.Sprintf("%040x", r.ID))
	r.HeadRepo = cmp.Or(r.HeadRepo, s.opts.Repo)
	if r.Created.IsZero() {
		r.Created = s.clock()
	}
	r.Artifacts = slices.Clone(r.Artifacts)
	for i := range r.Artifacts {
		if r.Artifacts[i].ID == 0 {
			r.Artifacts[i].ID = s.id()
		}
	}
	s.runs = append(s.runs, &r)
	s.workflows[r.Workflow] = true
	return r.ID
}

// AddPullRequest adds a pull request (for GET /pulls/{n}).
func (s *Server) AddPullRequest(pr PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := pr
	p.HeadRepo = cmp.Or(p.HeadRepo, s.opts.Repo)
	p.HeadRef = cmp.Or(p.HeadRef, "feature")
	p.BaseRef = cmp.Or(p.BaseRef, "main")
	p.State = cmp.Or(p.State, "open")
	s.pulls[p.Number] = &p
}

func (s *Server) builtin(op string) HandlerFunc {
	switch op {
	case "users/get-authenticated":
		return s.getUser
	case "repos/get":
		return s.getRepo
	case "issues/list-comments":
		return s.listComments
	case "issues/create-comment":
		return s.createComment
	case "issues/get-comment", "issues/update-comment", "issues/delete-comment":
		return s.comment
	case "checks/create", "checks/update", "checks/get":
		return s.checkRun
	case "checks/list-for-ref":
		return s.listCheckRuns
	case "actions/list-workflow-runs":
		return s.listRuns
	case "actions/list-workflow-run-artifacts":
		return s.listArtifacts
	case "actions/download-artifact":
		return s.downloadArtifact
	case "pulls/get", "pulls/update":
		return s.pull
	case "pulls/list":
		return s.listPulls
	case "pulls/create":
		return s.createPull
	case "issues/add-labels":
		return s.addLabels
	case "git/get-ref":
		return s.getRef
	case "git/create-ref":
		return s.createRef
	case "git/update-ref", "git/delete-ref":
		return s.updateRef
	case "git/create-blob":
		return s.createBlob
	case "git/create-tree":
		return s.createTree
	case "git/create-commit":
		return s.createCommit
	case "git/get-commit":
		return s.getCommit
	case "repos/compare-commits-with-basehead":
		return s.compare
	case "repos/list-releases":
		return s.listReleases
	case "repos/get-release-by-tag":
		return s.getReleaseByTag
	case "repos/list-release-assets":
		return s.listReleaseAssets
	case "repos/get-release-asset":
		return s.getReleaseAsset
	}
	return nil
}

// ---- users, repos

func (s *Server) userJSON(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	id := int64(0)
	for _, c := range login {
		id = id*31 + int64(c)
	}
	if id < 0 {
		id = -id
	}
	base := strings.TrimSuffix(s.api.URL+Prefix, "/")
	return map[string]any{
		"login": login, "id": id % 1_000_000_000, "node_id": "U_" + base64.RawStdEncoding.EncodeToString([]byte(login)),
		"avatar_url": "https://avatars.example.com/" + login, "gravatar_id": "", "url": base + "/users/" + login,
		"html_url": "https://github.example.com/" + login, "type": typ, "site_admin": false,
	}
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p Params) {
	if s.opts.UserForbidden {
		writeJSON(w, http.StatusForbidden, ghError{Message: "Resource not accessible by integration",
			DocumentationURL: "https://docs.github.com/rest/users/users#get-the-authenticated-user"})
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(p.Login))
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, p Params) {
	owner, name, _ := strings.Cut(s.opts.Repo, "/")
	writeJSON(w, http.StatusOK, map[string]any{
		"id": 4242, "name": name, "full_name": s.opts.Repo, "owner": s.userJSON(owner),
		"private": false, "default_branch": "main", "html_url": "https://github.example.com/" + s.opts.Repo,
	})
}

// ---- pagination

// page cuts items to the requested page and sets the Link header the way
// GitHub does (next and last, prev and first).
func page[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) ([]T, bool) {
	q := r.URL.Query()
	per, pageN := 30, 1
	if v := q.Get("per_page"); v != "" {
		per, _ = strconv.Atoi(v)
	}
	if v := q.Get("page"); v != "" {
		pageN, _ = strconv.Atoi(v)
	}
	if per <= 0 || pageN <= 0 {
		writeJSON(w, http.StatusUnprocessableEntity, ghError{Message: "per_page and page must be positive"})
		return nil, false
	}
	per = min(per, s.opts.MaxPerPage)
	last := max(1, (len(items)+per-1)/per)
	link := func(n int, rel string) string {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		qq := u.Query()
		qq.Set("page", strconv.Itoa(n))
		qq.Set("per_page", strconv.Itoa(per))
		u.RawQuery = qq.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if pageN > 1 {
		links = append(links, link(pageN-1, "prev"), link(1, "first"))
	}
	if pageN < last {
		links = append(links, link(pageN+1, "next"), link(last, "last"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	from := min((pageN-1)*per, len(items))
	to := min(from+per, len(items))
	return items[from:to], true
}

// ---- issue comments

func (s *Server) commentJSON(c *Comment) map[string]any {
	base := strings.TrimSuffix(s.api.URL+Prefix, "/") + "/repos/" + s.opts.Repo
	return map[string]any{
		"id": c.ID, "node_id": "IC_" + strconv.FormatInt(c.ID, 36),
		"url":       fmt.Sprintf("%s/issues/comments/%d", base, c.ID),
		"html_url":  fmt.Sprintf("https://github.example.com/%s/pull/%d#issuecomment-%d", s.opts.Repo, c.Issue, c.ID),
		"issue_url": fmt.Sprintf("%s/issues/%d", base, c.Issue),
		"body":      c.Body, "user": s.userJSON(c.Login), "author_association": "NONE",
		"created_at": c.Created.Format(time.RFC3339), "updated_at": c.Updated.Format(time.RFC3339),
	}
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, p Params) {
	issue, _ := strconv.Atoi(p.Path["issue_number"])
	s.mu.Lock()
	var all []*Comment
	for _, c := range s.comments {
		if c.Issue == issue {
			all = append(all, c)
		}
	}
	items, ok := page(s, w, r, all)
	out := make([]map[string]any, 0, len(items))
	for _, c := range items {
		out = append(out, s.commentJSON(c))
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, out)
	}
}

func tooLong(body string) bool { return utf8.RuneCountInString(body) > MaxCommentChars }

func writeTooLong(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnprocessableEntity, ghError{Message: "Validation Failed",
		Errors: []any{map[string]any{"resource": "IssueComment", "code": "custom", "field": "body",
			"message": fmt.Sprintf("body is too long (maximum is %d characters)", MaxCommentChars)}},
		DocumentationURL: "https://docs.github.com/rest/issues/comments#create-an-issue-comment"})
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request, p Params) {
	issue, _ := strconv.Atoi(p.Path["issue_number"])
	var in struct {
		Body string `json:"body"`
	}
	json.NewDecoder(r.Body).Decode(&in)
	if tooLong(in.Body) {
		s.errorf("POST comment on #%d: body of %d characters is over GitHub's limit of %d", issue, utf8.RuneCountInString(in.Body), MaxCommentChars)
		writeTooLong(w)
		return
	}
	s.mu.Lock()
	c := &Comment{ID: s.id(), Issue: issue, Login: p.Login, Body: in.Body}
	c.Created, c.Updated = s.clock(), s.clock()
	s.comments = append(s.comments, c)
	out := s.commentJSON(c)
	s.mu.Unlock()
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request, p Params) {
	id, _ := strconv.ParseInt(p.Path["comment_id"], 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.comments, func(c *Comment) bool { return c.ID == id })
	if i < 0 {
		writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
		return
	}
	c := s.comments[i]
	if r.Method != http.MethodGet && c.Login != p.Login {
		s.errs = append(s.errs, fmt.Sprintf("%s comment %d: %s changed a comment of %s", r.Method, id, p.Login, c.Login))
		writeJSON(w, http.StatusForbidden, ghError{Message: "Must have admin rights to Repository."})
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.commentJSON(c))
	case http.MethodDelete:
		s.comments = slices.Delete(s.comments, i, i+1)
		w.WriteHeader(http.StatusNoContent)
	default:
		var in struct {
			Body string `json:"body"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		if tooLong(in.Body) {
			s.errs = append(s.errs, fmt.Sprintf("PATCH comment %d: body over GitHub's limit", id))
			writeTooLong(w)
			return
		}
		c.Body, c.Updated = in.Body, s.clock()
		c.Edits++
		s.id()
		writeJSON(w, http.StatusOK, s.commentJSON(c))
	}
}

// ---- check runs

type checkRunInput struct {
	Name        *string `json:"name"`
	HeadSHA     *string `json:"head_sha"`
	ExternalID  *string `json:"external_id"`
	DetailsURL  *string `json:"details_url"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title       *string      `json:"title"`
		Summary     *string      `json:"summary"`
		Text        *string      `json:"text"`
		Annotations []Annotation `json:"annotations"`
	} `json:"output"`
}

func (s *Server) checkRunJSON(c *CheckRun) map[string]any {
	base := strings.TrimSuffix(s.api.URL+Prefix, "/") + "/repos/" + s.opts.Repo
	var conclusion any
	if c.Conclusion != "" {
		conclusion = c.Conclusion
	}
	return map[string]any{
		"id": c.ID, "node_id": "CR_" + strconv.FormatInt(c.ID, 36), "name": c.Name, "head_sha": c.HeadSHA,
		"status": c.Status, "conclusion": conclusion, "details_url": c.DetailsURL, "external_id": c.ExternalID,
		"url":      fmt.Sprintf("%s/check-runs/%d", base, c.ID),
		"html_url": fmt.Sprintf("https://github.example.com/%s/runs/%d", s.opts.Repo, c.ID),
		"output": map[string]any{"title": c.Title, "summary": c.Summary, "text": c.Text,
			"annotations_count": len(c.Annotations), "annotations_url": fmt.Sprintf("%s/check-runs/%d/annotations", base, c.ID)},
		"pull_requests": []any{},
	}
}

func (s *Server) checkRun(w http.ResponseWriter, r *http.Request, p Params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c *CheckRun
	if r.Method == http.MethodPost {
		c = &CheckRun{ID: s.id(), Status: "queued"}
		s.checks = append(s.checks, c)
	} else {
		id, _ := strconv.ParseInt(p.Path["check_run_id"], 10, 64)
		i := slices.IndexFunc(s.checks, func(c *CheckRun) bool { return c.ID == id })
		if i < 0 {
			writeJSON(w, http.StatusNotFound, ghError{Message: "Not Found"})
			return
		}
		c = s.checks[i]
	}
	if r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, s.checkRunJSON(c))
		return
	}
	var in checkRunInput
	json.NewDecoder(r.Body).Decode(&in)
	c.Requests++
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, in.Name)
	set(&c.HeadSHA, in.HeadSHA)
	set(&c.ExternalID, in.ExternalID)
	set(&c.DetailsURL, in.DetailsURL)
	set(&c.Status, in.Status)
	if in.Conclusion != nil {
		c.Conclusion, c.Status = *in.Conclusion, "completed"
	}
	if o := in.Output; o != nil {
		set(&c.Title, o.Title)
		set(&c.Summary, o.Summary)
		set(&c.Text, o.Text)
		// Annotations are appended, as GitHub does.
		c.Annotations = append(c.Annotations, o.Annotations...)
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	writeJSON(w, status, s.checkRunJSON(c))
}

// listCheckRuns lists the check runs of a commit (a full SHA here), newest
// first, filtered by check_name and status; filter=latest (the default)
// keeps the newest run of each name.
func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request, p Params) {
	q := r.URL.Query()
	sha := p.Path["ref"]
	s.mu.Lock()
	var match []*CheckRun
	seen := map[string]bool{}
	for i := len(s.checks) - 1; i >= 0; i-- {
		c := s.checks[i]
		switch {
		case c.HeadSHA != sha:
		case q.Get("check_name") != "" && c.Name != q.Get("check_name"):
		case q.Get("status") != "" && c.Status != q.Get("status"):
		case q.Get("filter") != "all" && seen[c.Name]:
		default:
			seen[c.Name] = true
			match = append(match, c)
		}
	}
	items, ok := page(s, w, r, match)
	out := make([]map[string]any, 0, len(items))
	for _, c := range items {
		out = append(out, s.checkRunJSON(c))
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"total_count": len(match), "check_runs": out})
	}
}
