package web

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestProbeReal(t *testing.T) {
	o := needBrowsers(t, "webgpu", "webnn")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	got := ProbeDetails(ctx, o)
	for _, p := range Platforms {
		r := got[p]
		t.Logf("%s: %s %s %v %s", p, r.Status, r.AdapterLabel, r.Adapter, r.Error)
		if r.Status != StatusOK {
			t.Errorf("%s: status %s: %s", p, r.Status, r.Error)
		}
	}
	if l := got["webgpu"].AdapterLabel; !strings.HasPrefix(l, "webgpu (") {
		t.Errorf("webgpu label %q", l)
	}
	if l := got["webnn"].AdapterLabel; !strings.HasPrefix(l, "webnn (cpu device") {
		t.Errorf("webnn label %q", l)
	}
}
