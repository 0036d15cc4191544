package comparison

import (
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/compare"
)

func TestRequestInput(t *testing.T) {
	d := compare.DefaultOptions()
	ok := func() Request {
		return Request{Head: "run.duckdb", Threshold: 10, Alpha: d.Alpha, Test: d.Test, MinSamples: d.MinSamples, Window: d.Window, FailOn: "new-failures"}
	}
	tests := []struct {
		name    string
		edit    func(*Request)
		wantErr string
	}{
		{"ok", func(*Request) {}, ""},
		{"no head", func(r *Request) { r.Head = "" }, "--head is required"},
		{"bad policy", func(r *Request) { r.FailOn = "sometimes" }, "sometimes"},
		{"zero threshold", func(r *Request) { r.Threshold = 0 }, "--threshold 0: want a percentage above 0"},
		{"bad test", func(r *Request) { r.Test = "chi2" }, "chi2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.edit(&r)
			in, err := r.Input("hwcov compare")
			if tt.wantErr == "" {
				if err != nil || in.Head != "run.duckdb" || in.Options.Threshold != 0.1 {
					t.Fatalf("Input = %+v, %v; want head run.duckdb, threshold 0.1", in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Input error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCommentRequestCheck(t *testing.T) {
	tests := []struct {
		name    string
		req     CommentRequest
		wantErr string
	}{
		{"empty", CommentRequest{}, ""},
		{"https dashboard", CommentRequest{DashboardURL: "https://github.com/o/r/actions/runs/1/artifacts/2"}, ""},
		{"http dashboard", CommentRequest{DashboardURL: "http://example.com"}, "want an https URL"},
		{"markdown in dashboard", CommentRequest{DashboardURL: "https://x/(y)"}, "want an https URL"},
		{"negative pr", CommentRequest{PR: -1}, "--pr -1: want a positive pull request number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Check()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Check = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckRequestHeadSHA(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	tests := []struct {
		name    string
		req     CheckRequest
		env     map[string]string
		want    string
		wantErr string
	}{
		{"flag", CheckRequest{Name: "hwcov", SHA: "abc"}, nil, "abc", ""},
		{"GITHUB_SHA", CheckRequest{Name: "hwcov"}, map[string]string{"GITHUB_SHA": "def"}, "def", ""},
		{"blank name", CheckRequest{Name: " ", SHA: "abc"}, nil, "", "--name must not be empty"},
		{"no commit", CheckRequest{Name: "hwcov"}, nil, "", "no commit to attach the check run to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.req.HeadSHA(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("HeadSHA = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("HeadSHA = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
