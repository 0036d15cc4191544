package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// CommentMarker is the hidden first line of hwcov's pull request comment.
const CommentMarker = "<!-- hwcov:comment -->"

// ActionsBot is the login comments made with an Actions GITHUB_TOKEN carry.
// Such a token cannot call GET /user, so Login falls back on it.
const ActionsBot = "github-actions[bot]"

// Login returns the authenticated user's login (GET /user), or ActionsBot
// when the token is a GITHUB_TOKEN that GitHub refuses /user to (403) .
//
// GitHub API docs: https://docs.github.com/rest/users/users#get-the-authenticated-user
func (c *Client) Login(ctx context.Context) (string, error) {
	if c.login != "" {
		return c.login, nil
	}
	u, resp, err := c.gh.Users.Get(ctx, "")
	switch {
	case err == nil && u.GetLogin() != "":
		c.login = u.GetLogin()
	case resp != nil && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound) && !isRateLimit(err):
		c.login = ActionsBot
	case err == nil:
		return "", c.errorf("get the authenticated user", "GitHub returned no login")
	default:
		return "", c.wrap("get the authenticated user", resp, err)
	}
	return c.login, nil
}

func isRateLimit(err error) bool {
	var rl *github.RateLimitError
	var al *github.AbuseRateLimitError
	return errors.As(err, &rl) || errors.As(err, &al)
}

// CommentAction is what UpsertComment did.
type CommentAction string

// CommentActions.
const (
	CommentCreated   CommentAction = "created"
	CommentUpdated   CommentAction = "updated"
	CommentUnchanged CommentAction = "unchanged"
)

// CommentResult says what UpsertComment did.
type CommentResult struct {
	Action CommentAction
	ID     int64
	URL    string // the comment's html_url
	// Deleted counts duplicate sticky comments removed (left by an earlier
	// run whose create was retried after GitHub had already saved it).
	Deleted int
}

// CommentOptions tune UpsertComment.
type CommentOptions struct {
	// Marker identifies the sticky comment (default CommentMarker). The body
	// must start with it; UpsertComment prepends it when it does not.
	Marker string
	// Login is the author the sticky comment must have (default: Login).
	// A comment with the marker by anyone else is never touched.
	Login string
}

// UpsertComment keeps one sticky comment on issue or pull request number:
// it finds the comment that starts with the marker and was written by the
// bot's login (listing every page), edits it in place when body differs,
// leaves it alone when body is the same, and creates it when there is none.
// Further sticky comments by the bot are deleted, so there is one. A create
// answered 5xx or not at all is not sent again before the comments are
// listed again: GitHub may have saved it.
//
// GitHub API docs: https://docs.github.com/rest/issues/comments
func (c *Client) UpsertComment(ctx context.Context, repo Repo, number int, body string, opts CommentOptions) (CommentResult, error) {
	var res CommentResult
	if number <= 0 {
		return res, c.errorf("comment", "pull request number %d: want a positive number", number)
	}
	marker := opts.Marker
	if marker == "" {
		marker = CommentMarker
	}
	if !strings.HasPrefix(body, marker) {
		body = marker + "\n" + body
	}
	login := opts.Login
	if login == "" {
		var err error
		if login, err = c.Login(ctx); err != nil {
			return res, err
		}
	}
	mine, err := c.stickyComments(ctx, repo, number, marker, login)
	if err != nil {
		return res, err
	}
	if len(mine) == 0 {
		// A create answered 5xx or not at all may have landed: before
		// sending it again, look for the comment.
		var cm *github.IssueComment
		err := c.writeOnce(ctx, fmt.Sprintf("create the comment on %s#%d", repo, number),
			func(ctx context.Context) (*github.Response, error) {
				var resp *github.Response
				var err error
				cm, resp, err = c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &github.IssueComment{Body: github.String(body)})
				return resp, err
			},
			func(ctx context.Context) (bool, error) {
				var err error
				mine, err = c.stickyComments(ctx, repo, number, marker, login)
				return len(mine) > 0, err
			})
		if err != nil {
			return res, err
		}
		if cm == nil || cm.GetID() == 0 {
			// It landed, answered by an error: carry on with what the
			// listing found (an edit if another run wrote it meanwhile).
			return c.keepOne(ctx, repo, number, body, mine, CommentCreated)
		}
		return CommentResult{Action: CommentCreated, ID: cm.GetID(), URL: cm.GetHTMLURL()}, nil
	}
	return c.keepOne(ctx, repo, number, body, mine, CommentUpdated)
}

// keepOne deletes the sticky comments after the first of mine and makes the
// first one say body; edited is the action reported when it had to change.
func (c *Client) keepOne(ctx context.Context, repo Repo, number int, body string, mine []*github.IssueComment, edited CommentAction) (CommentResult, error) {
	var res CommentResult
	keep := mine[0]
	for _, dup := range mine[1:] {
		resp, err := c.gh.Issues.DeleteComment(ctx, repo.Owner, repo.Name, dup.GetID())
		if err != nil && resp != nil && resp.StatusCode == http.StatusNotFound {
			err = nil // gone already: a retried delete that had landed, or another run's
		}
		if err != nil {
			return res, c.wrap(fmt.Sprintf("delete duplicate comment %d on %s#%d", dup.GetID(), repo, number), resp, err)
		}
		res.Deleted++
	}
	res.ID, res.URL = keep.GetID(), keep.GetHTMLURL()
	if keep.GetBody() == body {
		res.Action = CommentUnchanged
		if edited == CommentCreated {
			res.Action = CommentCreated
		}
		return res, nil
	}
	cm, resp, err := c.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, keep.GetID(), &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return res, c.wrap(fmt.Sprintf("edit comment %d on %s#%d", keep.GetID(), repo, number), resp, err)
	}
	res.Action, res.URL = CommentUpdated, cm.GetHTMLURL()
	return res, nil
}

// stickyComments lists the comments on number that start with marker and
// were written by login, oldest first.
func (c *Client) stickyComments(ctx context.Context, repo Repo, number int, marker, login string) ([]*github.IssueComment, error) {
	var mine []*github.IssueComment
	opt := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for pages := 0; ; pages++ {
		if pages >= 100 {
			return nil, c.errorf(fmt.Sprintf("list comments of %s#%d", repo, number), "more than 100 pages of comments")
		}
		cs, resp, err := c.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, number, opt)
		if err != nil {
			return nil, c.wrap(fmt.Sprintf("list comments of %s#%d", repo, number), resp, err)
		}
		for _, cm := range cs {
			if strings.HasPrefix(strings.TrimLeft(cm.GetBody(), " \t\r\n"), marker) && strings.EqualFold(cm.GetUser().GetLogin(), login) {
				mine = append(mine, cm)
			}
		}
		if resp.NextPage == 0 {
			return mine, nil
		}
		opt.Page = resp.NextPage
	}
}
