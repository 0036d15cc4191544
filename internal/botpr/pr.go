package botpr

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/internal/adapters/ghapi"
)

// BranchPrefix starts every branch the bot writes.
const BranchPrefix = "hwcov/patch/"

// DefaultMaxOpen is the default cap on open hwcov pull requests.
const DefaultMaxOpen = 5

// Labels are put on every pull request the bot opens.
var Labels = []string{"hwcov", "patch"}

// GitHub is what the bot needs of GitHub; *ghapi.Client has it.
type GitHub interface {
	DefaultBranch(ctx context.Context, repo ghapi.Repo) (string, error)
	BranchHead(ctx context.Context, repo ghapi.Repo, branch string) (string, bool, error)
	CommitTree(ctx context.Context, repo ghapi.Repo, sha string) (string, error)
	CreateTree(ctx context.Context, repo ghapi.Repo, baseTree string, files map[string][]byte) (string, error)
	CreateCommit(ctx context.Context, repo ghapi.Repo, tree string, parents []string, message string) (string, error)
	SetBranch(ctx context.Context, repo ghapi.Repo, branch, sha string, exists bool) error
	DeleteBranch(ctx context.Context, repo ghapi.Repo, branch string) error
	BranchCommits(ctx context.Context, repo ghapi.Repo, base, head string) ([]ghapi.BranchCommit, error)
	OpenPulls(ctx context.Context, repo ghapi.Repo, prefix string) ([]ghapi.Pull, error)
	CreatePull(ctx context.Context, repo ghapi.Repo, head, base, title, body string) (ghapi.Pull, error)
	EditPull(ctx context.Context, repo ghapi.Repo, number int, title, body, state string) (ghapi.Pull, error)
	AddLabels(ctx context.Context, repo ghapi.Repo, number int, labels ...string) error
	CommentOnce(ctx context.Context, repo ghapi.Repo, number int, marker, body string) (bool, error)
}

// Options tune Run.
type Options struct {
	// MaxOpen caps the bot's open pull requests (default DefaultMaxOpen);
	// proposals past it are held back and listed in the report.
	MaxOpen int
	// DryRun reads GitHub and reports what would happen: no commit, branch,
	// pull request or comment (blobs and trees are made, to see the diff).
	DryRun bool
}

// Action is what Run did with a proposal.
type Action string

// Actions.
const (
	Opened    Action = "opened"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	Closed    Action = "closed"      // failures gone: closed, branch deleted
	NoDiff    Action = "no-diff"     // the patch changes nothing on the base
	HumanHeld Action = "human-owned" // a person committed: left alone
	HeldBack  Action = "held-back"   // over the cap on open pull requests
	Dropped   Action = "dropped"     // verification dropped the patch: nothing written
	Nothing   Action = "nothing"     // resolved and nothing open
)

// Item is one proposal's outcome.
type Item struct {
	Rule   string `json:"rule"`
	Branch string `json:"branch"`
	Action Action `json:"action"`
	Number int    `json:"number,omitempty"`
	URL    string `json:"url,omitempty"`
	Why    string `json:"why,omitempty"`
}

// Report is what Run did, one item per proposal, in the order handled.
type Report struct {
	Repo    string `json:"repo"`
	Base    string `json:"base"`
	MaxOpen int    `json:"max_open"`
	DryRun  bool   `json:"dry_run,omitempty"`
	Items   []Item `json:"items"`
}

// ErrDefaultBranch is returned for a write aimed at the default branch.
var ErrDefaultBranch = errors.New("refusing to write the default branch")

// Branch is the bot's branch for rule.
func Branch(rule string) string { return BranchPrefix + rule }

// guard refuses any branch the bot must not write: the default branch, the
// proposal's base, and anything outside BranchPrefix.
func guard(branch, defaultBranch, base string) error {
	if branch == defaultBranch || branch == base || !strings.HasPrefix(branch, BranchPrefix) || len(branch) == len(BranchPrefix) {
		return fmt.Errorf("branch %q: %w (the bot writes only %s<rule> branches, never %q)", branch, ErrDefaultBranch, BranchPrefix, defaultBranch)
	}
	return nil
}

// Run opens, updates or closes one pull request per proposal. Closing
// comes first, then updates of open pull requests, then new ones while
// fewer than MaxOpen are open.
func Run(ctx context.Context, gh GitHub, repo ghapi.Repo, proposals []Proposal, opts Options) (Report, error) {
	rep := Report{Repo: repo.String(), MaxOpen: cmp.Or(opts.MaxOpen, DefaultMaxOpen), DryRun: opts.DryRun}
	def, err := gh.DefaultBranch(ctx, repo)
	if err != nil {
		return rep, err
	}
	rep.Base = def
	open, err := gh.OpenPulls(ctx, repo, BranchPrefix)
	if err != nil {
		return rep, err
	}
	byBranch := map[string]ghapi.Pull{}
	for _, p := range open {
		byBranch[p.HeadRef] = p
	}
	ps := slices.Clone(proposals)
	rank := func(p Proposal) int {
		_, isOpen := byBranch[Branch(p.Rule)]
		switch {
		case p.Resolved:
			return 0
		case isOpen:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(ps, func(a, b Proposal) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Rule, b.Rule)) })
	r := &runner{gh: gh, repo: repo, def: def, opts: opts, open: len(open), max: rep.MaxOpen}
	for _, p := range ps {
		pr, isOpen := byBranch[Branch(p.Rule)]
		var prp *ghapi.Pull
		if isOpen {
			prp = &pr
		}
		it, err := r.one(ctx, p, prp)
		rep.Items = append(rep.Items, it)
		if err != nil {
			return rep, fmt.Errorf("rule %q: %w", p.Rule, err)
		}
	}
	return rep, nil
}

type runner struct {
	gh   GitHub
	repo ghapi.Repo
	def  string
	opts Options
	open int // open pull requests of the bot
	max  int
}

// one handles a proposal; pr is its open pull request, if any.
func (r *runner) one(ctx context.Context, p Proposal, pr *ghapi.Pull) (Item, error) {
	branch := Branch(p.Rule)
	it := Item{Rule: p.Rule, Branch: branch}
	if pr != nil {
		it.Number, it.URL = pr.Number, pr.URL
	}
	if p.Dropped != "" && !p.Resolved {
		it.Action, it.Why = Dropped, p.Dropped
		return it, nil
	}
	base := cmp.Or(p.Base, r.def)
	if err := guard(branch, r.def, base); err != nil {
		return it, err
	}
	head, exists, err := r.gh.BranchHead(ctx, r.repo, branch)
	if err != nil {
		return it, err
	}
	baseHead, ok, err := r.gh.BranchHead(ctx, r.repo, base)
	if err != nil {
		return it, err
	}
	if !ok {
		return it, fmt.Errorf("base branch %q does not exist in %s", base, r.repo)
	}
	if exists {
		commits, err := r.gh.BranchCommits(ctx, r.repo, baseHead, head)
		if err != nil {
			return it, err
		}
		if c, human := humanCommit(commits, p.Rule); human {
			it.Action = HumanHeld
			it.Why = fmt.Sprintf("commit %s on %s is not hwcov's", short(c.SHA), branch)
			if pr != nil && !r.opts.DryRun {
				body := fmt.Sprintf("hwcov no longer updates this branch: commit %s (by %s) was not made by hwcov, "+
					"and hwcov does not overwrite a person's work. Re-runs leave this pull request alone. To hand the branch back, "+
					"close this pull request and delete the branch `%s`; the next run opens a fresh one.",
					short(c.SHA), cmp.Or(c.Login, c.Author, "someone else"), branch)
				if _, err := r.gh.CommentOnce(ctx, r.repo, pr.Number, HumanMarker, body); err != nil {
					return it, err
				}
			}
			return it, nil
		}
	}
	if p.Resolved {
		return r.close(ctx, it, pr, exists, "the failures it addressed no longer appear in the latest run")
	}
	baseTree, err := r.gh.CommitTree(ctx, r.repo, baseHead)
	if err != nil {
		return it, err
	}
	files := map[string][]byte{}
	for _, f := range p.Files {
		files[f.Path] = []byte(f.Content)
	}
	if r.opts.DryRun && !exists && pr == nil && r.open >= r.max {
		it.Action, it.Why = HeldBack, fmt.Sprintf("%d hwcov pull requests are open (cap %d)", r.open, r.max)
		return it, nil
	}
	tree, err := r.gh.CreateTree(ctx, r.repo, baseTree, files)
	if err != nil {
		return it, err
	}
	if tree == baseTree {
		return r.close(ctx, it, pr, exists, fmt.Sprintf("%s already has what the patch writes", base))
	}
	if pr == nil && r.open >= r.max {
		it.Action, it.Why = HeldBack, fmt.Sprintf("%d hwcov pull requests are open (cap %d)", r.open, r.max)
		return it, nil
	}
	pushed := false
	if exists {
		cur, err := r.gh.CommitTree(ctx, r.repo, head)
		if err != nil {
			return it, err
		}
		pushed = cur != tree
	}
	if (!exists || pushed) && !r.opts.DryRun {
		sha, err := r.gh.CreateCommit(ctx, r.repo, tree, []string{baseHead}, CommitMessage(p))
		if err != nil {
			return it, err
		}
		if err := guard(branch, r.def, base); err != nil {
			return it, err
		}
		if err := r.gh.SetBranch(ctx, r.repo, branch, sha, exists); err != nil {
			return it, err
		}
	}
	title, body := Title(p), Body(p)
	switch {
	case r.opts.DryRun && pr == nil:
		it.Action = Opened
		r.open++
		return it, nil
	case r.opts.DryRun:
		it.Action = Updated
		if !pushed && pr.Body == body && pr.Title == title {
			it.Action = Unchanged
		}
		return it, nil
	case pr == nil:
		got, err := r.gh.CreatePull(ctx, r.repo, branch, base, title, body)
		if err != nil {
			return it, err
		}
		r.open++
		it.Action, it.Number, it.URL = Opened, got.Number, got.URL
		return it, r.gh.AddLabels(ctx, r.repo, got.Number, Labels...)
	case pr.Body == body && pr.Title == title:
		it.Action = Unchanged
		if pushed {
			it.Action = Updated
		}
		return it, nil
	}
	if _, err := r.gh.EditPull(ctx, r.repo, pr.Number, title, body, ""); err != nil {
		return it, err
	}
	it.Action = Updated
	return it, nil
}

// close closes pr (with a comment) and deletes the branch.
func (r *runner) close(ctx context.Context, it Item, pr *ghapi.Pull, exists bool, why string) (Item, error) {
	it.Action, it.Why = Nothing, why
	if pr != nil {
		it.Action = Closed
	} else if !strings.HasPrefix(why, "the failures") {
		it.Action = NoDiff
	}
	if r.opts.DryRun {
		return it, nil
	}
	if pr != nil {
		if _, err := r.gh.CommentOnce(ctx, r.repo, pr.Number, ClosedMarker, "hwcov closes this pull request: "+why+"."); err != nil {
			return it, err
		}
		if _, err := r.gh.EditPull(ctx, r.repo, pr.Number, "", "", "closed"); err != nil {
			return it, err
		}
		r.open--
	}
	if exists {
		if err := r.gh.DeleteBranch(ctx, r.repo, it.Branch); err != nil {
			return it, err
		}
	}
	return it, nil
}

// humanCommit returns the first commit on the branch that is not the bot's.
func humanCommit(commits []ghapi.BranchCommit, rule string) (ghapi.BranchCommit, bool) {
	for _, c := range commits {
		if !isBotCommit(c.Message, rule) {
			return c, true
		}
	}
	return ghapi.BranchCommit{}, false
}

func short(sha string) string { return sha[:min(len(sha), 7)] }
