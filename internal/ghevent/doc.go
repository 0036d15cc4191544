// Package ghevent reads what GitHub Actions hands a job about its trigger:
// the event payload ($GITHUB_EVENT_PATH), and the pull request record a
// pull_request job passes to the workflow_run job that comments.
package ghevent
