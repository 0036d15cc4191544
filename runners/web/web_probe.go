package web

import (
	"context"
	"time"
)

// Probe says which web platforms this machine can run: platform ->
// adapter label ("webgpu (SwiftShader CPU adapter)") for each platform whose
// browser is installed and creates a WebGPU adapter / WebNN context. It
// starts and stops its own service; platforms that fail are left out. Use it
// to fill hardware.Probe.Web.
func Probe(ctx context.Context, opts Options) map[string]string {
	out := map[string]string{}
	for p, r := range ProbeDetails(ctx, opts) {
		if r.Status == StatusOK && r.AdapterLabel != "" {
			out[p] = r.AdapterLabel
		}
	}
	return out
}

// ProbeDetails is Probe with the whole response per platform (the reason a
// platform is not available is in its Error).
func ProbeDetails(ctx context.Context, opts Options) map[string]Response {
	out := map[string]Response{}
	if opts.TestTimeout <= 0 {
		opts.TestTimeout = 60 * time.Second
	}
	svc, err := Start(ctx, opts)
	if err != nil {
		for _, p := range Platforms {
			out[p] = Response{Platform: p, Status: StatusUnavailable, Error: err.Error()}
		}
		return out
	}
	defer svc.Close()
	for _, p := range Platforms {
		r, err := svc.Run(ctx, Request{Platform: p, Probe: true, TestID: "probe"})
		if err != nil {
			r = Response{Platform: p, Status: StatusFail, Error: err.Error()}
		}
		if r.Status == StatusOK {
			if ok, _ := r.Adapter["available"].(bool); !ok {
				r.Status = StatusUnavailable
				if why, _ := r.Adapter["error"].(string); why != "" {
					r.Error = p + ": " + why
				}
			}
		}
		out[p] = r
	}
	return out
}
