package web

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Versions pinned by runners/web/package.json and scripts/install-browsers.sh.
const (
	// ORTWebVersion is the onnxruntime-web release the page loads.
	ORTWebVersion = "1.30.0"
	// WebNNChromiumVersion is the @sparticuz/chromium release unpacked for webnn.
	WebNNChromiumVersion = "153.0.0"
)

// Environment variables read by DefaultOptions (and nowhere else).
const (
	// EnvURL is how the Python workers find the service: Service.Env sets it.
	EnvURL = "HWCOV_BROWSER_URL"
	// EnvDir overrides the runners/web folder (node_modules, .browsers).
	EnvDir = "HWCOV_WEB_DIR"
	// EnvWebGPUBrowser and EnvWebNNBrowser override the browser executables.
	EnvWebGPUBrowser = "HWCOV_WEBGPU_BROWSER"
	EnvWebNNBrowser  = "HWCOV_WEBNN_BROWSER"
)

// Platforms are the platform keys this package runs.
var Platforms = []string{"webgpu", "webnn"}

// installHint is the one-line fix for a missing install.
const installHint = "Try: make browsers (runs scripts/install-browsers.sh)"

// ortDir is where the page's onnxruntime-web files live under dir.
func ortDir(dir string) string {
	return filepath.Join(dir, "node_modules", "onnxruntime-web", "dist")
}

// WebNNBrowserPath is where scripts/install-browsers.sh unpacks the
// @sparticuz/chromium build under dir.
func WebNNBrowserPath(dir string) string {
	return filepath.Join(dir, ".browsers", "chromium-"+WebNNChromiumVersion, "chromium")
}

// FindDir returns the runners/web folder with node_modules installed: env's
// HWCOV_WEB_DIR when set, else runners/web found by walking up from each of
// starts (the working directory, the executable's folder).
func FindDir(getenv func(string) string, starts ...string) (string, error) {
	if getenv != nil {
		if d := getenv(EnvDir); d != "" {
			if err := checkDir(d); err != nil {
				return "", err
			}
			return d, nil
		}
	}
	for _, s := range starts {
		for d := s; d != ""; {
			cand := filepath.Join(d, "runners", "web")
			if checkDir(cand) == nil {
				return cand, nil
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	return "", fmt.Errorf("web runner not installed: no runners/web/node_modules/onnxruntime-web above %q; %s", starts, installHint)
}

func checkDir(d string) error {
	if _, err := os.Stat(filepath.Join(ortDir(d), "ort.all.min.mjs")); err != nil {
		return fmt.Errorf("web runner not installed in %q: onnxruntime-web is missing; %s", d, installHint)
	}
	return nil
}

// specFor returns how to start platform's browser, or an error with a hint
// when it is not installed.
func specFor(o *Options, platform string) (browserSpec, error) {
	switch platform {
	case "webgpu":
		path := o.Browsers["webgpu"]
		if path == "" {
			p, err := exec.LookPath("chromium")
			if err != nil {
				return browserSpec{}, errors.New("webgpu: Debian's chromium is not installed (no chromium on PATH); " + installHint)
			}
			path = p
			// Debian's /usr/bin/chromium is a shell wrapper that execs this
			// binary; start it directly so that its pid is the browser's.
			if real := "/usr/lib/chromium/chromium"; isDebianWrapper(p) && fileExists(real) {
				path = real
			}
		} else if _, err := os.Stat(path); err != nil {
			return browserSpec{}, fmt.Errorf("webgpu: browser %q: %w; %s", path, err, installHint)
		}
		// SwiftShader's Vulkan gives an adapter on machines without a GPU;
		// a real GPU adapter is preferred by Chromium where there is one.
		return browserSpec{platform: platform, path: path, args: []string{"--enable-unsafe-webgpu"}}, nil
	case "webnn":
		path := o.Browsers["webnn"]
		if path == "" {
			path = WebNNBrowserPath(o.Dir)
		}
		if _, err := os.Stat(path); err != nil {
			return browserSpec{}, fmt.Errorf("webnn: the Chromium %s build (@sparticuz/chromium) is not unpacked at %q; %s", WebNNChromiumVersion, path, installHint)
		}
		return browserSpec{
			platform: platform, path: path,
			args: []string{
				"--enable-features=WebMachineLearningNeuralNetwork",
				"--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
			},
			// SwiftShader's libraries sit beside the binary
			env: []string{"LD_LIBRARY_PATH=" + filepath.Dir(path)},
		}, nil
	}
	return browserSpec{}, fmt.Errorf("web: unknown platform %q; Try: one of %v", platform, Platforms)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// isDebianWrapper reports whether p is Debian's chromium launcher script.
func isDebianWrapper(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 2)
	n, _ := f.Read(head)
	return n == 2 && string(head) == "#!"
}
