package runners

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hwcov/hwcov/runners/web"
)

// BrowserService is the browser service a shard's webgpu/webnn tests run in.
type BrowserService struct {
	Env         []string                // extra environment of the workers
	Unavailable map[string]InfraProblem // web platforms this runner cannot run
	Stop        func()
}

// StartBrowserService starts the browser service when jobs hold webgpu/webnn
// tests (unless $HWCOV_BROWSER_URL, read with getenv, names one already
// running). Without a browser the service is not an error: the web platforms
// come back in Unavailable, and their tests are infra_error. opts finds
// runners/web; progress lines go to log.
func StartBrowserService(ctx context.Context, getenv func(string) string, opts func() (web.Options, error), log io.Writer, jobs []Job) (BrowserService, error) {
	none := BrowserService{Stop: func() {}}
	var need []string
	for _, j := range jobs {
		if (j.ID.Hardware == "webgpu" || j.ID.Hardware == "webnn") && !slices.Contains(need, j.ID.Hardware) {
			need = append(need, j.ID.Hardware)
		}
	}
	if len(need) == 0 {
		return none, nil
	}
	if url := getenv(web.EnvURL); url != "" {
		// a service started by `hwcov browser serve` (or a test): the workers
		// inherit the variable, so nothing is started here.
		fmt.Fprintf(log, "hwcov: using the browser service at %s\n", web.EnvURL)
		return none, nil
	}
	unavailable := func(err error) BrowserService {
		reason, fix, ok := strings.Cut(err.Error(), "; Try: ")
		if !ok {
			fix = "make browsers (runs scripts/install-browsers.sh)"
		}
		m := map[string]InfraProblem{}
		for _, hw := range need {
			m[hw] = InfraProblem{Reason: reason, Fix: fix}
		}
		fmt.Fprintf(log, "hwcov: %s; %s tests are infra_error\n", reason, strings.Join(need, "/"))
		return BrowserService{Unavailable: m, Stop: func() {}}
	}
	o, err := opts()
	if err != nil {
		return unavailable(err), nil
	}
	o.Logf = func(format string, args ...any) { fmt.Fprintf(log, "hwcov: "+format+"\n", args...) }
	svc, err := web.Start(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return BrowserService{}, err
		}
		return unavailable(err), nil
	}
	return BrowserService{Env: svc.Env(), Stop: func() { _ = svc.Close() }}, nil
}
