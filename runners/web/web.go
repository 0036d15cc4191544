package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

//go:embed page/index.html page/run.js
var pageFiles embed.FS

// Defaults used when the Options' fields are zero.
const (
	DefaultTestTimeout  = 5 * time.Minute
	DefaultStartTimeout = 60 * time.Second
)

// Options configure a Service. Side effects come in as fields; the zero
// value of each optional field is usable.
type Options struct {
	// Dir is the runners/web folder: node_modules (onnxruntime-web) and
	// .browsers (the unpacked webnn Chromium). Required; see FindDir.
	Dir string
	// Browsers overrides the executable per platform ("webgpu", "webnn").
	Browsers map[string]string
	// Addr is where the HTTP server listens; default 127.0.0.1:0. Only
	// loopback addresses are accepted.
	Addr string
	// TestTimeout caps one test in the browser (a request may ask for less);
	// default DefaultTestTimeout.
	TestTimeout time.Duration
	// StartTimeout bounds a browser's start; default DefaultStartTimeout.
	StartTimeout time.Duration
	// Environ is the browsers' base environment; nil means os.Environ.
	Environ func() []string
	// BrowserLog receives what the browsers print; nil discards it (the tail
	// is kept for crash records either way).
	BrowserLog io.Writer
	// Logf reports browser starts, restarts, timeouts and crashes; nil is quiet.
	Logf func(format string, args ...any)
}

// OptionsFromEnv returns Options for dir found by FindDir, with browser
// overrides from HWCOV_WEBGPU_BROWSER / HWCOV_WEBNN_BROWSER.
func OptionsFromEnv(getenv func(string) string, starts ...string) (Options, error) {
	dir, err := FindDir(getenv, starts...)
	if err != nil {
		return Options{}, err
	}
	o := Options{Dir: dir, Browsers: map[string]string{}}
	if p := getenv(EnvWebGPUBrowser); p != "" {
		o.Browsers["webgpu"] = p
	}
	if p := getenv(EnvWebNNBrowser); p != "" {
		o.Browsers["webnn"] = p
	}
	return o, nil
}

// Service is hwcov's browser service: an HTTP server on loopback that serves
// the page and onnxruntime-web, and runs ONNX models in one browser per
// platform, a fresh browser context per test. Python tests reach it through
// the URL in HWCOV_BROWSER_URL (see Env).
type Service struct {
	opts   Options
	srv    *http.Server
	ln     net.Listener
	base   string // http://127.0.0.1:port
	secret string

	mu    sync.Mutex
	slots map[string]*slot
	jobs  map[string]*job

	closeOnce sync.Once
	served    chan struct{}
}

// Start starts the HTTP server; browsers start on their first test.
func Start(ctx context.Context, opts Options) (*Service, error) {
	if opts.Dir == "" {
		return nil, errors.New("start browser service: no runners/web folder given; " + installHint)
	}
	if err := checkDir(opts.Dir); err != nil {
		return nil, fmt.Errorf("start browser service: %w", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("start browser service: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("start browser service: address %q is not loopback; Try: --addr 127.0.0.1:0", addr)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start browser service: %w", err)
	}
	s := &Service{
		opts:   opts,
		ln:     ln,
		base:   "http://" + ln.Addr().String(),
		secret: randomToken(),
		slots:  map[string]*slot{},
		jobs:   map[string]*job{},
		served: make(chan struct{}),
	}
	s.srv = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// URL is the base URL of the service's API, secret included:
// http://127.0.0.1:PORT/api/SECRET. The browser pages use the same server.
func (s *Service) URL() string { return s.base + "/api/" + s.secret }

// Env is what a Python worker needs to find the service: HWCOV_BROWSER_URL.
func (s *Service) Env() []string { return []string{EnvURL + "=" + s.URL()} }

// Close stops every browser and the HTTP server.
func (s *Service) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		slots := make([]*slot, 0, len(s.slots))
		for _, sl := range s.slots {
			slots = append(slots, sl)
		}
		s.mu.Unlock()
		for _, sl := range slots {
			sl.close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.srv.Shutdown(ctx)
		if err != nil {
			err = s.srv.Close()
		}
		<-s.served
	})
	return err
}

// Restarts counts the browsers started for platform to replace one that
// crashed, hung or was killed. It does not wait for a test.
func (s *Service) Restarts(platform string) int {
	s.mu.Lock()
	sl := s.slots[platform]
	s.mu.Unlock()
	if sl == nil {
		return 0
	}
	return int(sl.restarts.Load())
}

// BrowserPID is the process id of platform's running browser, 0 when none
// runs (tests kill it to check crash recovery). It does not wait for a test.
func (s *Service) BrowserPID(platform string) int {
	s.mu.Lock()
	sl := s.slots[platform]
	s.mu.Unlock()
	if sl == nil {
		return 0
	}
	return int(sl.pid.Load())
}

// TestsInFlight counts the test requests (not probes) the service is
// running now (tests kill the browser during one to check crash recovery).
func (s *Service) TestsInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, j := range s.jobs {
		if !j.probe {
			n++
		}
	}
	return n
}

func (s *Service) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

func (s *Service) environ() []string {
	if s.opts.Environ != nil {
		return s.opts.Environ()
	}
	return os.Environ()
}

// slot returns platform's browser slot, creating it on first use.
func (s *Service) slot(platform string) (*slot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl := s.slots[platform]; sl != nil {
		return sl, nil
	}
	spec, err := specFor(&s.opts, platform)
	if err != nil {
		return nil, err
	}
	sl := &slot{svc: s, spec: spec}
	s.slots[platform] = sl
	return sl, nil
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Serve starts a service, writes "HWCOV_BROWSER_URL=..." to out and serves
// until ctx ends: the body of `hwcov browser serve`, for running generated
// web tests with pytest outside `hwcov run`.
func Serve(ctx context.Context, opts Options, out io.Writer) error {
	svc, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	defer svc.Close()
	fmt.Fprintf(out, "%s\n", strings.Join(svc.Env(), " "))
	fmt.Fprintf(out, "# export it, then: pytest generated_tests/test_bert_webgpu.py (Ctrl-C stops the browsers)\n")
	<-ctx.Done()
	return nil
}
