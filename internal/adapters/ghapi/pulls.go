package ghapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Pull is a pull request as hwcov reads it.
type Pull struct {
	Number  int
	State   string // open, closed
	Title   string
	Body    string
	HeadRef string
	HeadSHA string
	URL     string // html_url
	Login   string // who opened it
	Labels  []string
}

func pullOf(p *github.PullRequest) Pull {
	out := Pull{Number: p.GetNumber(), State: p.GetState(), Title: p.GetTitle(), Body: p.GetBody(),
		HeadRef: p.GetHead().GetRef(), HeadSHA: p.GetHead().GetSHA(), URL: p.GetHTMLURL(), Login: p.GetUser().GetLogin()}
	for _, l := range p.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	return out
}

// OpenPulls lists the open pull requests whose head branch, in the
// repository itself, starts with prefix (every page; GitHub filters by an
// exact head only, so the prefix is applied here).
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#list-pull-requests
func (c *Client) OpenPulls(ctx context.Context, repo Repo, prefix string) ([]Pull, error) {
	var out []Pull
	opt := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100}}
	for pages := 0; ; pages++ {
		if pages >= 50 {
			return nil, c.errorf("list pull requests of "+repo.String(), "more than 50 pages of open pull requests")
		}
		ps, resp, err := c.gh.PullRequests.List(ctx, repo.Owner, repo.Name, opt)
		if err != nil {
			return nil, c.wrap("list pull requests of "+repo.String(), resp, err)
		}
		for _, p := range ps {
			if strings.HasPrefix(p.GetHead().GetRef(), prefix) && strings.EqualFold(p.GetHead().GetRepo().GetFullName(), repo.String()) {
				out = append(out, pullOf(p))
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// openPullFor returns the open pull request from head, if any.
func (c *Client) openPullFor(ctx context.Context, repo Repo, head string) (*Pull, error) {
	ps, _, err := c.gh.PullRequests.List(ctx, repo.Owner, repo.Name,
		&github.PullRequestListOptions{State: "open", Head: repo.Owner + ":" + head})
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.GetHead().GetRef() == head {
			pp := pullOf(p)
			return &pp, nil
		}
	}
	return nil, nil
}

// CreatePull opens a pull request from head into base. A create answered
// 5xx or not at all is not sent again before the open pull requests from
// head are listed: GitHub may have opened it.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#create-a-pull-request
func (c *Client) CreatePull(ctx context.Context, repo Repo, head, base, title, body string) (Pull, error) {
	var pr *github.PullRequest
	var found *Pull
	err := c.writeOnce(ctx, fmt.Sprintf("open a pull request from %q in %s", head, repo),
		func(ctx context.Context) (*github.Response, error) {
			var resp *github.Response
			var err error
			pr, resp, err = c.gh.PullRequests.Create(ctx, repo.Owner, repo.Name, &github.NewPullRequest{
				Title: github.String(title), Head: github.String(head), Base: github.String(base), Body: github.String(body),
				MaintainerCanModify: github.Bool(true)})
			return resp, err
		},
		func(ctx context.Context) (bool, error) {
			var err error
			found, err = c.openPullFor(ctx, repo, head)
			return found != nil, err
		})
	switch {
	case err != nil:
		return Pull{}, err
	case pr == nil && found != nil:
		return *found, nil
	}
	return pullOf(pr), nil
}

// EditPull sets a pull request's title and body, and its state when state
// is not empty ("closed" closes it). Edits are idempotent: the transport
// may send one again.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#update-a-pull-request
func (c *Client) EditPull(ctx context.Context, repo Repo, number int, title, body, state string) (Pull, error) {
	in := &github.PullRequest{}
	if title != "" {
		in.Title = github.String(title)
	}
	if body != "" {
		in.Body = github.String(body)
	}
	if state != "" {
		in.State = github.String(state)
	}
	var pr *github.PullRequest
	err := c.writeOnce(ctx, fmt.Sprintf("edit pull request %s#%d", repo, number),
		func(ctx context.Context) (*github.Response, error) {
			var resp *github.Response
			var err error
			pr, resp, err = c.gh.PullRequests.Edit(ctx, repo.Owner, repo.Name, number, in)
			return resp, err
		},
		func(context.Context) (bool, error) { return false, nil })
	if err != nil {
		return Pull{}, err
	}
	return pullOf(pr), nil
}

// AddLabels adds labels to an issue or pull request (labels it has stay).
// It sends {"labels": [...]}, the form GitHub recommends (go-github's
// AddLabelsToIssue sends a bare array).
//
// GitHub API docs: https://docs.github.com/rest/issues/labels#add-labels-to-an-issue
func (c *Client) AddLabels(ctx context.Context, repo Repo, number int, labels ...string) error {
	return c.writeOnce(ctx, fmt.Sprintf("label %s#%d", repo, number),
		func(ctx context.Context) (*github.Response, error) {
			req, err := c.gh.NewRequest("POST", fmt.Sprintf("repos/%s/%s/issues/%d/labels", repo.Owner, repo.Name, number),
				map[string][]string{"labels": labels})
			if err != nil {
				return nil, err
			}
			return c.gh.Do(ctx, req, nil)
		},
		func(context.Context) (bool, error) { return false, nil }) // adding a label twice changes nothing
}

// CommentOnce writes body on issue or pull request number unless the bot
// already wrote a comment starting with marker there; it reports whether
// it wrote one. A create answered 5xx or not at all is re-read first.
//
// GitHub API docs: https://docs.github.com/rest/issues/comments#create-an-issue-comment
func (c *Client) CommentOnce(ctx context.Context, repo Repo, number int, marker, body string) (bool, error) {
	login, err := c.Login(ctx)
	if err != nil {
		return false, err
	}
	mine, err := c.stickyComments(ctx, repo, number, marker, login)
	if err != nil || len(mine) > 0 {
		return false, err
	}
	if !strings.HasPrefix(body, marker) {
		body = marker + "\n" + body
	}
	err = c.writeOnce(ctx, fmt.Sprintf("comment on %s#%d", repo, number),
		func(ctx context.Context) (*github.Response, error) {
			_, resp, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &github.IssueComment{Body: github.String(body)})
			return resp, err
		},
		func(ctx context.Context) (bool, error) {
			mine, err := c.stickyComments(ctx, repo, number, marker, login)
			return len(mine) > 0, err
		})
	return err == nil, err
}
