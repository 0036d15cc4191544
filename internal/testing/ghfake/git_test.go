package ghfake

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestServerGit walks the git data API the way a bot does: blob, tree on
// main's tree, commit, branch, pull request, labels; then checks what the
// fake refuses as GitHub does.
func TestServerGit(t *testing.T) {
	s := NewT(t, Options{})
	repo := s.URL + "repos/" + s.Repo()
	main, _ := s.Ref("main")
	call := func(method, url, body string, status int) map[string]any {
		t.Helper()
		resp, out := do(t, s, method, url, body)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, out, status)
		}
		var v map[string]any
		json.Unmarshal([]byte(out), &v)
		return v
	}
	sha := func(v map[string]any) string { s, _ := v["sha"].(string); return s }

	blob := sha(call("POST", repo+"/git/blobs", `{"content":"eCA9IDEK","encoding":"base64"}`, 201))
	if blob != "7d4290a117a4ddcc11daae7ea675841033830c8f" { // git hash-object of "x = 1\n"
		t.Fatalf("blob sha %q", blob)
	}
	mainCommit, _ := s.Commit(main)
	tree := sha(call("POST", repo+"/git/trees", `{"base_tree":"`+mainCommit.Tree+`","tree":[{"path":"t/a.j2","mode":"100644","type":"blob","sha":"`+blob+`"}]}`, 201))
	same := sha(call("POST", repo+"/git/trees", `{"base_tree":"`+mainCommit.Tree+`","tree":[{"path":"README.md","mode":"100644","type":"blob","content":"# demo\n"}]}`, 201))
	if same != mainCommit.Tree {
		t.Fatalf("a tree that changes nothing has sha %s, want the base tree's %s", same, mainCommit.Tree)
	}
	commit := sha(call("POST", repo+"/git/commits", `{"message":"m","tree":"`+tree+`","parents":["`+main+`"]}`, 201))
	call("POST", repo+"/git/refs", `{"ref":"refs/heads/hwcov/patch/x","sha":"`+commit+`"}`, 201)
	call("POST", repo+"/git/refs", `{"ref":"refs/heads/hwcov/patch/x","sha":"`+commit+`"}`, 422) // exists
	got := call("GET", repo+"/git/ref/heads/hwcov/patch/x", "", 200)
	if got["object"].(map[string]any)["sha"] != commit {
		t.Fatalf("ref %v", got)
	}
	if f := s.Files("hwcov/patch/x"); f["t/a.j2"] != "x = 1\n" || f["README.md"] != "# demo\n" {
		t.Fatalf("files %v", f)
	}

	// A commit not on top of the branch is not a fast forward without force.
	other := sha(call("POST", repo+"/git/commits", `{"message":"o","tree":"`+tree+`","parents":["`+main+`"]}`, 201))
	call("PATCH", repo+"/git/refs/heads/hwcov/patch/x", `{"sha":"`+other+`"}`, 422)
	call("PATCH", repo+"/git/refs/heads/hwcov/patch/x", `{"sha":"`+other+`","force":true}`, 200)

	// Compare lists what the branch has and main has not.
	human := s.Push("hwcov/patch/x", "alice", "by hand", map[string]string{"b": "b"})
	cmp := call("GET", repo+"/compare/"+main+"...hwcov/patch/x", "", 200)
	cs := cmp["commits"].([]any)
	if len(cs) != 2 || cs[0].(map[string]any)["sha"] != other || cs[1].(map[string]any)["sha"] != human ||
		cs[1].(map[string]any)["author"].(map[string]any)["login"] != "alice" {
		t.Fatalf("compare commits %v", cs)
	}

	// Pull requests: one open per head; none without commits; labels add up.
	call("POST", repo+"/pulls", `{"title":"t","head":"main","base":"main"}`, 422)
	pr := call("POST", repo+"/pulls", `{"title":"t","head":"hwcov/patch/x","base":"main","body":"b"}`, 201)
	call("POST", repo+"/pulls", `{"title":"t","head":"hwcov/patch/x","base":"main"}`, 422)
	if pr["number"] != 1.0 || pr["head"].(map[string]any)["sha"] != human {
		t.Fatalf("pull %v", pr)
	}
	call("POST", repo+"/issues/1/labels", `{"labels":["hwcov"]}`, 200)
	call("POST", repo+"/issues/1/labels", `{"labels":["hwcov","patch"]}`, 200)
	_, list := do(t, s, "GET", repo+"/pulls?state=open&head=octo:hwcov/patch/x", "")
	if !strings.Contains(list, `"number":1`) || !strings.Contains(list, `"name":"patch"`) {
		t.Fatalf("list %s", list)
	}
	call("PATCH", repo+"/pulls/1", `{"state":"closed"}`, 200)
	if _, list = do(t, s, "GET", repo+"/pulls?state=open", ""); strings.TrimSpace(list) != "[]" {
		t.Fatalf("open pulls after close: %s", list)
	}
	call("DELETE", repo+"/git/refs/heads/hwcov/patch/x", "", 204)
	call("DELETE", repo+"/git/refs/heads/hwcov/patch/x", "", 422)
	if _, ok := s.Ref("hwcov/patch/x"); ok {
		t.Fatal("branch not deleted")
	}
	if l := s.Pulls()[0].Labels; strings.Join(l, ",") != "hwcov,patch" {
		t.Fatalf("labels %v", l)
	}
}
