package ghapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/google/go-github/v62/github"
)

// DefaultBranch returns the repository's default branch.
//
// GitHub API docs: https://docs.github.com/rest/repos/repos#get-a-repository
func (c *Client) DefaultBranch(ctx context.Context, repo Repo) (string, error) {
	r, resp, err := c.gh.Repositories.Get(ctx, repo.Owner, repo.Name)
	if err != nil {
		return "", c.wrap("get repository "+repo.String(), resp, err)
	}
	if r.GetDefaultBranch() == "" {
		return "", c.errorf("get repository "+repo.String(), "GitHub returned no default branch")
	}
	return r.GetDefaultBranch(), nil
}

// BranchHead returns the commit branch points at; found is false when the
// branch does not exist.
//
// GitHub API docs: https://docs.github.com/rest/git/refs#get-a-reference
func (c *Client) BranchHead(ctx context.Context, repo Repo, branch string) (sha string, found bool, err error) {
	ref, resp, err := c.gh.Git.GetRef(ctx, repo.Owner, repo.Name, "heads/"+branch)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return "", false, nil
		}
		return "", false, c.wrap(fmt.Sprintf("get branch %q of %s", branch, repo), resp, err)
	}
	return ref.GetObject().GetSHA(), true, nil
}

// CommitTree returns the tree of commit sha.
//
// GitHub API docs: https://docs.github.com/rest/git/commits#get-a-commit-object
func (c *Client) CommitTree(ctx context.Context, repo Repo, sha string) (string, error) {
	cm, resp, err := c.gh.Git.GetCommit(ctx, repo.Owner, repo.Name, sha)
	if err != nil {
		return "", c.wrap(fmt.Sprintf("get commit %s of %s", sha, repo), resp, err)
	}
	return cm.GetTree().GetSHA(), nil
}

// contentAddressed sends a create whose result is named by its content (a
// blob, a tree, a commit): sending it twice makes the same object (or an
// unreferenced one), so an uncertain failure is simply sent again.
func (c *Client) contentAddressed(ctx context.Context, op string, send func(context.Context) (*github.Response, error)) error {
	return c.writeOnce(ctx, op, send, func(context.Context) (bool, error) { return false, nil })
}

// CreateTree stores files (path -> content) as blobs and a tree on top of
// baseTree, and returns the new tree's sha. It equals baseTree when the
// files change nothing.
//
// GitHub API docs: https://docs.github.com/rest/git/blobs#create-a-blob and
// https://docs.github.com/rest/git/trees#create-a-tree
func (c *Client) CreateTree(ctx context.Context, repo Repo, baseTree string, files map[string][]byte) (string, error) {
	var entries []*github.TreeEntry
	for _, path := range slices.Sorted(maps.Keys(files)) {
		var blob *github.Blob
		err := c.contentAddressed(ctx, fmt.Sprintf("create blob for %q in %s", path, repo), func(ctx context.Context) (*github.Response, error) {
			var resp *github.Response
			var err error
			blob, resp, err = c.gh.Git.CreateBlob(ctx, repo.Owner, repo.Name, &github.Blob{
				Content: github.String(base64.StdEncoding.EncodeToString(files[path])), Encoding: github.String("base64")})
			return resp, err
		})
		if err != nil {
			return "", err
		}
		entries = append(entries, &github.TreeEntry{Path: github.String(path), Mode: github.String("100644"),
			Type: github.String("blob"), SHA: blob.SHA})
	}
	var tree *github.Tree
	err := c.contentAddressed(ctx, "create tree in "+repo.String(), func(ctx context.Context) (*github.Response, error) {
		var resp *github.Response
		var err error
		tree, resp, err = c.gh.Git.CreateTree(ctx, repo.Owner, repo.Name, baseTree, entries)
		return resp, err
	})
	if err != nil {
		return "", err
	}
	return tree.GetSHA(), nil
}

// CreateCommit makes a commit of tree with parents and returns its sha. It
// sets no author: GitHub authors and signs it as the token's identity, so
// the commit shows as verified.
//
// GitHub API docs: https://docs.github.com/rest/git/commits#create-a-commit
func (c *Client) CreateCommit(ctx context.Context, repo Repo, tree string, parents []string, message string) (string, error) {
	var cm *github.Commit
	err := c.contentAddressed(ctx, "create commit in "+repo.String(), func(ctx context.Context) (*github.Response, error) {
		var resp *github.Response
		var err error
		ps := make([]*github.Commit, 0, len(parents))
		for _, p := range parents {
			ps = append(ps, &github.Commit{SHA: github.String(p)})
		}
		cm, resp, err = c.gh.Git.CreateCommit(ctx, repo.Owner, repo.Name,
			&github.Commit{Message: github.String(message), Tree: &github.Tree{SHA: github.String(tree)}, Parents: ps}, nil)
		return resp, err
	})
	if err != nil {
		return "", err
	}
	return cm.GetSHA(), nil
}

// SetBranch points branch at sha, creating it when absent and moving it
// (forced) when present. A write answered 5xx or not at all is re-read
// before it is sent again. The caller decides which branches may be
// written; see botpr's guard against the default branch.
//
// GitHub API docs: https://docs.github.com/rest/git/refs#create-a-reference
// and https://docs.github.com/rest/git/refs#update-a-reference
func (c *Client) SetBranch(ctx context.Context, repo Repo, branch, sha string, exists bool) error {
	landed := func(ctx context.Context) (bool, error) {
		got, _, err := c.BranchHead(ctx, repo, branch)
		return got == sha, err
	}
	op := fmt.Sprintf("point branch %q of %s at %s", branch, repo, sha)
	return c.writeOnce(ctx, op, func(ctx context.Context) (*github.Response, error) {
		if exists {
			_, resp, err := c.gh.Git.UpdateRef(ctx, repo.Owner, repo.Name,
				&github.Reference{Ref: github.String("heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)}}, true)
			return resp, err
		}
		_, resp, err := c.gh.Git.CreateRef(ctx, repo.Owner, repo.Name,
			&github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)}})
		return resp, err
	}, landed)
}

// DeleteBranch deletes branch; one already gone is not an error.
//
// GitHub API docs: https://docs.github.com/rest/git/refs#delete-a-reference
func (c *Client) DeleteBranch(ctx context.Context, repo Repo, branch string) error {
	resp, err := c.gh.Git.DeleteRef(ctx, repo.Owner, repo.Name, "heads/"+branch)
	if err != nil && resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnprocessableEntity) {
		return nil
	}
	return c.wrap(fmt.Sprintf("delete branch %q of %s", branch, repo), resp, err)
}

// BranchCommit is a commit on a branch that its base does not have.
type BranchCommit struct {
	SHA     string
	Message string
	// Login is the GitHub user GitHub attributes the commit to ("" when
	// none); Author the commit's author name.
	Login, Author string
}

// BranchCommits lists the commits reachable from head and not from base
// (shas or branch names), oldest first.
//
// GitHub API docs: https://docs.github.com/rest/commits/commits#compare-two-commits
func (c *Client) BranchCommits(ctx context.Context, repo Repo, base, head string) ([]BranchCommit, error) {
	cmp, resp, err := c.gh.Repositories.CompareCommits(ctx, repo.Owner, repo.Name, base, head, &github.ListOptions{PerPage: 100})
	if err != nil {
		return nil, c.wrap(fmt.Sprintf("compare %s...%s in %s", base, head, repo), resp, err)
	}
	out := make([]BranchCommit, 0, len(cmp.Commits))
	for _, rc := range cmp.Commits {
		out = append(out, BranchCommit{SHA: rc.GetSHA(), Message: rc.GetCommit().GetMessage(),
			Login: rc.GetAuthor().GetLogin(), Author: rc.GetCommit().GetAuthor().GetName()})
	}
	if cmp.GetTotalCommits() > len(out) {
		// More than a page: the branch is not hwcov's one-commit branch.
		out = append(out, BranchCommit{Message: fmt.Sprintf("(%d more commits)", cmp.GetTotalCommits()-len(out))})
	}
	return out, nil
}
