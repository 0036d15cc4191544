package botpr

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
	"github.com/hwcov/hwcov/internal/testing/ghfake"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

var update = flag.Bool("update", false, "rewrite golden files")

// proposal is a patch of rule that writes content to its template.
func proposal(rule, content string) Proposal {
	return Proposal{
		Rule:     rule,
		Reason:   "Vision encoders run out of memory on 16 GiB cards at batch 8; batch 2 keeps the tested code path.",
		Files:    []File{{Path: "templates/hardware/cuda/" + rule + ".py.j2", Content: content}},
		Diff:     "--- a/templates/hardware/cuda.py.j2\n+++ b/templates/hardware/cuda.py.j2\n@@ -3 +3 @@\n-BATCH = 8\n+BATCH = 2\n",
		Failures: []PlatformCount{{Platform: "cuda", Count: 12}, {Platform: "rocm", Count: 3}},
		Results: []Result{
			{Test: "test_hf_vit.py::test_forward", Architecture: "vit", Platform: "cuda", Before: "fail", After: "pass"},
			{Test: "test_hf_vit.py::test_batch", Architecture: "vit", Platform: "cuda", Before: "fail", After: "pass"},
			{Test: "test_hf_vit.py::test_forward", Architecture: "vit", Platform: "rocm", Before: "fail", After: "pass"},
			{Test: "test_hf_swin.py::test_forward", Architecture: "swin", Platform: "cuda", Before: "fail", After: "fail"},
			{Test: "test_hf_deit.py::test_forward", Architecture: "deit", Platform: "cuda", Before: "pass", After: "pass", Control: true},
			{Test: "test_hf_beit.py::test_forward", Architecture: "beit|x", Platform: "rocm", Before: "pass", After: "pass", Control: true},
		},
		Reproduce: "hwcov patch verify --rule " + rule + " --platform cuda,rocm",
		Provenance: Provenance{Fingerprint: "fp-3a9c", RuleVersion: "2", Runs: []string{"run-41", "run-42"},
			TemplatesBefore: "t-aaaa", TemplatesAfter: "t-bbbb"},
	}
}

func TestBody(t *testing.T) {
	testfs.Golden(t, []byte(Body(proposal("cap-batch-vision", "BATCH = 2\n"))), *update)
}

func TestBodyProvenanceReadsBack(t *testing.T) {
	p := proposal("r", "x")
	p.Provenance.Fingerprint = "a--> <!-- b"
	body := Body(p)
	i := strings.LastIndex(body, provenanceOpen)
	raw := strings.TrimSuffix(strings.TrimSpace(body[i+len(provenanceOpen):]), "-->")
	if strings.Count(body[i:], "-->") != 1 {
		t.Fatalf("the provenance comment closes early: %q", body[i:])
	}
	var got struct {
		Rule string `json:"rule"`
		Provenance
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("provenance block %q: %v", raw, err)
	}
	if got.Rule != "r" || got.Fingerprint != p.Provenance.Fingerprint || len(got.Runs) != 2 {
		t.Fatalf("provenance read back as %+v", got)
	}
}

func TestReadInput(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
	}{
		{"ok", `{"proposals":[{"rule":"a","files":[{"path":"t/a.j2","content":"x"}]},{"rule":"b","resolved":true,"files":[]}]}`, ""},
		{"empty", `{"proposals":[]}`, ""},
		{"bad rule", `{"proposals":[{"rule":"A B","files":[{"path":"a","content":""}]}]}`, `rule id "A B"`},
		{"rule twice", `{"proposals":[{"rule":"a","files":[{"path":"a","content":""}]},{"rule":"a","files":[{"path":"a","content":""}]}]}`, "appears twice"},
		{"no files", `{"proposals":[{"rule":"a"}]}`, "writes no files"},
		{"absolute", `{"proposals":[{"rule":"a","files":[{"path":"/etc/x","content":""}]}]}`, `"/etc/x"`},
		{"dotdot", `{"proposals":[{"rule":"a","files":[{"path":"t/../../x","content":""}]}]}`, `"t/../../x"`},
		{"git dir", `{"proposals":[{"rule":"a","files":[{"path":".git/config","content":""}]}]}`, `".git/config"`},
		{"unknown field", `{"proposals":[{"rule":"a","filez":[]}]}`, "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadInput(strings.NewReader(tc.in), "p.json")
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("err = %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestGuard(t *testing.T) {
	for _, tc := range []struct {
		branch, def, base string
		ok                bool
	}{
		{"hwcov/patch/r", "main", "main", true},
		{"main", "main", "main", false},
		{"hwcov/patch/r", "hwcov/patch/r", "hwcov/patch/r", false},
		{"hwcov/patch/r", "main", "hwcov/patch/r", false},
		{"hwcov/patch/", "main", "main", false},
		{"feature", "main", "main", false},
	} {
		err := guard(tc.branch, tc.def, tc.base)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrDefaultBranch)) {
			t.Errorf("guard(%q, %q, %q) = %v, want ok=%v", tc.branch, tc.def, tc.base, err, tc.ok)
		}
	}
}

func TestIsBotCommit(t *testing.T) {
	msg := CommitMessage(proposal("cap-batch", "x"))
	for _, tc := range []struct {
		msg, rule string
		want      bool
	}{
		{msg, "cap-batch", true},
		{msg, "cap", false},
		{"fix typo", "cap-batch", false},
		{"Hwcov-Patch-Rule: cap-batch-2", "cap-batch", false},
	} {
		if got := isBotCommit(tc.msg, tc.rule); got != tc.want {
			t.Errorf("isBotCommit(%q, %q) = %v", tc.msg, tc.rule, got)
		}
	}
}

// ---- scenarios against the fake GitHub

func setup(t *testing.T) (*ghfake.Server, *ghapi.Client, ghapi.Repo) {
	t.Helper()
	srv := ghfake.NewT(t, ghfake.Options{})
	c, err := ghapi.New(ghapi.Options{APIURL: srv.URL, Token: srv.Token(),
		Retry: ghapi.Retry{Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}})
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := ghapi.ParseRepo(srv.Repo())
	return srv, c, repo
}

func run(t *testing.T, c *ghapi.Client, repo ghapi.Repo, opts Options, ps ...Proposal) Report {
	t.Helper()
	rep, err := Run(context.Background(), c, repo, ps, opts)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, rep.Text())
	}
	return rep
}

func actions(rep Report) string {
	var out []string
	for _, it := range rep.Items {
		s := fmt.Sprintf("%s=%s", it.Rule, it.Action)
		if it.Number > 0 {
			s += fmt.Sprintf("#%d", it.Number)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestScenarioOpenThenUpdate(t *testing.T) {
	srv, c, repo := setup(t)
	mainHead, _ := srv.Ref("main")
	rep := run(t, c, repo, Options{}, proposal("cap-batch", "BATCH = 2\n"), proposal("wider-tol", "ATOL = 1e-3\n"))
	if got, want := actions(rep), "cap-batch=opened#1 wider-tol=opened#2"; got != want {
		t.Fatalf("first run: %s, want %s", got, want)
	}
	pulls := srv.Pulls()
	if len(pulls) != 2 {
		t.Fatalf("%d pull requests, want 2", len(pulls))
	}
	pr := pulls[0]
	if pr.HeadRef != "hwcov/patch/cap-batch" || pr.BaseRef != "main" || pr.Body != Body(proposal("cap-batch", "BATCH = 2\n")) ||
		strings.Join(pr.Labels, ",") != "hwcov,patch" || pr.Login != ghfake.DefaultLogin {
		t.Fatalf("pull request %+v", pr)
	}
	head, _ := srv.Ref("hwcov/patch/cap-batch")
	cm, _ := srv.Commit(head)
	if len(cm.Parents) != 1 || cm.Parents[0] != mainHead || !strings.Contains(cm.Message, "Hwcov-Patch-Rule: cap-batch") {
		t.Fatalf("commit %+v: want one parent %s and the trailer", cm, mainHead)
	}
	files := srv.Files("hwcov/patch/cap-batch")
	if files["templates/hardware/cuda/cap-batch.py.j2"] != "BATCH = 2\n" || files["README.md"] != "# demo\n" {
		t.Fatalf("branch files %v", files)
	}
	if got, _ := srv.Ref("main"); got != mainHead {
		t.Fatalf("main moved to %s", got)
	}

	// The same proposals again: nothing written.
	rep = run(t, c, repo, Options{}, proposal("cap-batch", "BATCH = 2\n"), proposal("wider-tol", "ATOL = 1e-3\n"))
	if got, want := actions(rep), "cap-batch=unchanged#1 wider-tol=unchanged#2"; got != want {
		t.Fatalf("rerun: %s, want %s", got, want)
	}
	if got, _ := srv.Ref("hwcov/patch/cap-batch"); got != head {
		t.Fatal("an unchanged rerun pushed a commit")
	}

	// A new measurement: the same PR gets a new commit and body.
	p := proposal("cap-batch", "BATCH = 1\n")
	p.Failures[0].Count = 20
	rep = run(t, c, repo, Options{}, p)
	if got, want := actions(rep), "cap-batch=updated#1"; got != want {
		t.Fatalf("update: %s, want %s", got, want)
	}
	if n := len(srv.Pulls()); n != 2 {
		t.Fatalf("%d pull requests after the update, want 2", n)
	}
	if srv.Pulls()[0].Body != Body(p) || srv.Files("hwcov/patch/cap-batch")["templates/hardware/cuda/cap-batch.py.j2"] != "BATCH = 1\n" {
		t.Fatal("the update did not reach the pull request's body and branch")
	}
	if n := srv.Count("pulls/create"); n != 2 {
		t.Fatalf("pulls/create sent %d times, want 2", n)
	}
}

func TestScenarioHumanCommit(t *testing.T) {
	srv, c, repo := setup(t)
	run(t, c, repo, Options{}, proposal("cap-batch", "BATCH = 2\n"))
	human := srv.Push("hwcov/patch/cap-batch", "alice", "keep batch 4 for A100", map[string]string{"templates/hardware/cuda/cap-batch.py.j2": "BATCH = 4\n"})
	// The comment lands, but GitHub answers 502: it must not be written twice.
	srv.Fail(1, ghfake.AppliedServerError(502, "issues/create-comment"))
	for range 2 {
		rep := run(t, c, repo, Options{}, proposal("cap-batch", "BATCH = 3\n"))
		if got, want := actions(rep), "cap-batch=human-owned#1"; got != want {
			t.Fatalf("after a human commit: %s, want %s", got, want)
		}
		if got, _ := srv.Ref("hwcov/patch/cap-batch"); got != human {
			t.Fatal("the bot moved a branch a person committed to")
		}
	}
	var mine []ghfake.Comment
	for _, cm := range srv.Comments(1) {
		if strings.HasPrefix(cm.Body, HumanMarker) {
			mine = append(mine, cm)
		}
	}
	if len(mine) != 1 || !strings.Contains(mine[0].Body, "alice") {
		t.Fatalf("comments %+v: want one saying why, naming alice", srv.Comments(1))
	}
	// Resolved later: the person's branch is still not deleted.
	p := proposal("cap-batch", "")
	p.Resolved = true
	run(t, c, repo, Options{}, p)
	if _, ok := srv.Ref("hwcov/patch/cap-batch"); !ok || srv.Pulls()[0].State != "open" {
		t.Fatal("the bot closed or deleted a branch a person committed to")
	}
}

func TestScenarioResolvedCloses(t *testing.T) {
	srv, c, repo := setup(t)
	run(t, c, repo, Options{}, proposal("cap-batch", "BATCH = 2\n"))
	p := proposal("cap-batch", "")
	p.Files, p.Resolved = nil, true
	rep := run(t, c, repo, Options{}, p)
	if got, want := actions(rep), "cap-batch=closed#1"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if pr := srv.Pulls()[0]; pr.State != "closed" {
		t.Fatalf("pull request state %q, want closed", pr.State)
	}
	if _, ok := srv.Ref("hwcov/patch/cap-batch"); ok {
		t.Fatal("the branch was not deleted")
	}
	cs := srv.Comments(1)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "no longer appear") {
		t.Fatalf("comments %+v", cs)
	}
	// Once more: nothing open, nothing to do.
	if got, want := actions(run(t, c, repo, Options{}, p)), "cap-batch=nothing"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

func TestScenarioNothingToPatch(t *testing.T) {
	srv, c, repo := setup(t)
	if rep := run(t, c, repo, Options{}); len(rep.Items) != 0 || !strings.Contains(rep.Text(), "nothing to do") {
		t.Fatalf("no proposals: %s", rep.Text())
	}
	p := proposal("readme", "")
	p.Files = []File{{Path: "README.md", Content: "# demo\n"}} // what main has
	rep := run(t, c, repo, Options{}, p)
	if got, want := actions(rep), "readme=no-diff"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if len(srv.Pulls()) != 0 || srv.Count("git/create-ref") != 0 || srv.Count("git/create-commit") != 0 {
		t.Fatal("a patch without a diff wrote a commit, branch or pull request")
	}
}

func TestScenarioCap(t *testing.T) {
	srv, c, repo := setup(t)
	rep := run(t, c, repo, Options{MaxOpen: 2}, proposal("c", "3"), proposal("a", "1"), proposal("b", "2"))
	if got, want := actions(rep), "a=opened#1 b=opened#2 c=held-back"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if _, ok := srv.Ref("hwcov/patch/c"); ok {
		t.Fatal("a held-back proposal got a branch")
	}
	for _, s := range []string{rep.Text(), rep.Markdown()} {
		if !strings.Contains(s, "held back") && !strings.Contains(s, "Held back") || !strings.Contains(s, "c") {
			t.Fatalf("summary does not list what was held back:\n%s", s)
		}
	}
	// Closing one frees a place: the held-back one opens.
	a := proposal("a", "")
	a.Files, a.Resolved = nil, true
	rep = run(t, c, repo, Options{MaxOpen: 2}, a, proposal("b", "2"), proposal("c", "3"))
	if got, want := actions(rep), "a=closed#1 b=unchanged#2 c=opened#3"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

func TestSummaryGolden(t *testing.T) {
	rep := Report{Repo: "octo/demo", Base: "main", MaxOpen: 2, Items: []Item{
		{Rule: "a", Branch: Branch("a"), Action: Opened, Number: 1, URL: "https://github.example.com/octo/demo/pull/1"},
		{Rule: "b", Branch: Branch("b"), Action: HumanHeld, Number: 2, URL: "https://github.example.com/octo/demo/pull/2", Why: "commit 1234567 on hwcov/patch/b is not hwcov's"},
		{Rule: "c", Branch: Branch("c"), Action: HeldBack, Why: "2 hwcov pull requests are open (cap 2)"},
	}}
	testfs.Golden(t, []byte(rep.Text()+"\n----\n"+rep.Markdown()), *update)
}

func TestNeverWritesDefaultBranch(t *testing.T) {
	srv, c, repo := setup(t)
	// A repository whose default branch is named like the bot's branch.
	srv.Handle("repos/get", func(w http.ResponseWriter, r *http.Request, p ghfake.Params) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":1,"name":"hwcov-demo","full_name":"octo/hwcov-demo","default_branch":"hwcov/patch/cap-batch"}`)
	})
	_, err := Run(context.Background(), c, repo, []Proposal{proposal("cap-batch", "x")}, Options{})
	if !errors.Is(err, ErrDefaultBranch) {
		t.Fatalf("err = %v, want ErrDefaultBranch", err)
	}
	for _, op := range []string{"git/create-ref", "git/update-ref", "git/delete-ref", "git/create-commit", "pulls/create"} {
		if n := srv.Count(op); n != 0 {
			t.Errorf("%s sent %d times", op, n)
		}
	}
}

func TestScenarioWritesLandBehind5xx(t *testing.T) {
	srv, c, repo := setup(t)
	srv.Fail(1, ghfake.AppliedServerError(502, "git/create-ref"))
	srv.Fail(1, ghfake.AppliedServerError(504, "pulls/create"))
	srv.Fail(1, ghfake.ServerError(503))
	rep := run(t, c, repo, Options{}, proposal("cap-batch", "BATCH = 2\n"))
	if got, want := actions(rep), "cap-batch=opened#1"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if n := len(srv.Pulls()); n != 1 {
		t.Fatalf("%d pull requests, want 1 (a create that landed behind a 504 was sent again)", n)
	}
	for _, op := range []string{"git/create-ref", "pulls/create"} {
		n := 0
		for _, r := range srv.Requests() {
			if r.Operation == op {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s sent %d times, want once (it had landed behind a 5xx)", op, n)
		}
	}
	if _, ok := srv.Ref("hwcov/patch/cap-batch"); !ok {
		t.Fatal("no branch")
	}
	if pr := srv.Pulls()[0]; strings.Join(pr.Labels, ",") != "hwcov,patch" {
		t.Fatalf("labels %v", pr.Labels)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	srv, c, repo := setup(t)
	rep := run(t, c, repo, Options{DryRun: true, MaxOpen: 1}, proposal("a", "1"), proposal("b", "2"))
	if got, want := actions(rep), "a=opened b=held-back"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet && r.Operation != "git/create-blob" && r.Operation != "git/create-tree" {
			t.Errorf("dry run sent %s %s", r.Method, r.Path)
		}
	}
}

func TestMerge(t *testing.T) {
	a, b := proposal("r", "x"), proposal("r", "x")
	a.Failures, b.Failures = []PlatformCount{{"cuda", 2}}, []PlatformCount{{"rocm", 1}, {"cuda", 3}}
	a.Results, b.Results = a.Results[:1], b.Results[2:3]
	got, err := Merge(Input{[]Proposal{a, proposal("s", "y")}}, Input{[]Proposal{b}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Proposals) != 2 || got.Proposals[0].Rule != "r" {
		t.Fatalf("merged %+v", got.Proposals)
	}
	r := got.Proposals[0]
	if fmt.Sprint(r.Failures) != "[{cuda 5} {rocm 1}]" || len(r.Results) != 2 || len(r.Provenance.Runs) != 4 {
		t.Fatalf("merged r: failures %v, %d results, runs %v", r.Failures, len(r.Results), r.Provenance.Runs)
	}
	c := proposal("r", "other content")
	if _, err := Merge(Input{[]Proposal{a}}, Input{[]Proposal{c}}); err == nil || !strings.Contains(err.Error(), "disagree") {
		t.Fatalf("merging different files: %v", err)
	}
}

// A patch dropped on one platform is not proposed from the others: the
// merge keeps the veto, and Run writes nothing for it.
func TestScenarioDroppedOnOnePlatform(t *testing.T) {
	cuda, rocm := proposal("r", "x"), proposal("r", "x")
	rocm.Dropped = "dropped: broke 1 of 2 control tests on rocm"
	for _, order := range [][]Proposal{{cuda, rocm}, {rocm, cuda}} {
		in, err := Merge(Input{order[:1]}, Input{order[1:]})
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Proposals) != 1 || in.Proposals[0].Dropped != rocm.Dropped {
			t.Fatalf("merged %+v, want r dropped", in.Proposals)
		}
		srv, c, repo := setup(t)
		rep := run(t, c, repo, Options{}, in.Proposals...)
		if got, want := actions(rep), "r=dropped"; got != want {
			t.Fatalf("%s, want %s", got, want)
		}
		if len(srv.Pulls()) != 0 || srv.Count("git/create-commit") != 0 || !strings.Contains(rep.Text(), "broke 1 of 2 control tests on rocm") {
			t.Fatalf("a dropped patch wrote to GitHub or its reason is not reported:\n%s", rep.Text())
		}
	}
}
