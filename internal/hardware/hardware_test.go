package hardware

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
)

func TestBuiltin(t *testing.T) {
	r := Builtin()
	if got := strings.Join(r.Keys(), ","); got != strings.Join(BuiltinKeys, ",") {
		t.Fatalf("keys %s, want %v", got, BuiltinKeys)
	}
	for _, p := range r.All() {
		b, err := Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		// Every built-in platform must pass the same strict check as a user's file.
		if _, err := ParsePlatform(p.PlatformKey+".json", b); err != nil {
			t.Errorf("built-in %s does not validate: %v", p.PlatformKey, err)
		}
	}
	cuda, _ := r.Get("cuda")
	if cuda.Tolerance.Atol != 1e-5 || strings.Join(cuda.Labels(), ",") != "self-hosted,linux,cuda" {
		t.Errorf("cuda: %+v", cuda)
	}
	web, _ := r.Get("webgpu")
	if web.Tolerance.Atol != 1e-2 {
		t.Errorf("webgpu tolerance %v, want the guide's 1e-2", web.Tolerance)
	}
}

const guideQualcomm = `{
  "platform_name": "Qualcomm", "platform_key": "qualcomm2", "device_flag": "--device qualcomm",
  "backend_type": "onnxruntime", "memory_constraint_mb": 8192,
  "supported_precisions": ["fp32", "fp16", "int8"], "preferred_precision": "fp16",
  "quantization_support": true, "parallelism_support": true, "core_count": 8,
  "import_statements": ["import onnxruntime as ort", "from onnxruntime.quantization import quantize_dynamic"],
  "device_initialization": "providers = [('QNNExecutionProvider', {})]",
  "device_setup": "session = ort.InferenceSession(model_path, providers=providers)",
  "default_batch_size": 1, "default_timeout_seconds": 60,
  "optimization_flags": {"enable_dynamic_shapes": true, "optimize_for_mobile": true}
}`

func TestParsePlatform(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{"guide example", guideQualcomm, ""},
		{"unknown key", strings.Replace(guideQualcomm, `"core_count"`, `"cores"`, 1), `q.json: field "cores": unknown field`},
		{"wrong type", strings.Replace(guideQualcomm, `"memory_constraint_mb": 8192`, `"memory_constraint_mb": "8GB"`, 1), `q.json: field "memory_constraint_mb": want int`},
		{"bad backend", strings.Replace(guideQualcomm, `"backend_type": "onnxruntime"`, `"backend_type": "tpu"`, 1), `field "backend_type": "tpu" is not one of`},
		{"preferred not supported", strings.Replace(guideQualcomm, `"preferred_precision": "fp16"`, `"preferred_precision": "bf16"`, 1), `field "preferred_precision"`},
		{"missing key", strings.Replace(guideQualcomm, `"platform_key": "qualcomm2",`, ``, 1), `field "platform_key": required`},
		{"bad key", strings.Replace(guideQualcomm, `"qualcomm2"`, `"Qual Comm"`, 1), `field "platform_key"`},
		{"syntax", `{"platform_key": }`, `q.json: invalid JSON`},
		{"trailing", guideQualcomm + `{}`, `trailing data`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePlatform("q.json", []byte(tt.json))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(p.Labels(), ",") != "self-hosted,linux,qualcomm2" || p.Tolerance.Atol != 1e-4 {
					t.Errorf("defaults not applied: %+v", p)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestSaveAndLoadDir(t *testing.T) {
	dir := t.TempDir()
	p, err := ParsePlatform("q.json", []byte(guideQualcomm))
	if err != nil {
		t.Fatal(err)
	}
	path, err := Save(filepath.Join(dir, "hw"), p)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "hw"))
	if len(entries) != 1 || filepath.Base(path) != "qualcomm2.json" {
		t.Fatalf("files %v", entries)
	}
	r := Builtin()
	if err := r.LoadDir(filepath.Join(dir, "hw")); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Get("qualcomm2"); !ok {
		t.Fatal("custom platform not loaded")
	}
	if err := r.LoadDir(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("missing dir: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "hw", "bad.json"), []byte(`{"x":1}`), 0o644)
	if err := Builtin().LoadDir(filepath.Join(dir, "hw")); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("bad file error %v", err)
	}
}

func TestResolve(t *testing.T) {
	r := Builtin()
	ps, err := r.Resolve([]string{"cpu,cuda", "cpu"}, nil)
	if err != nil || len(ps) != 2 {
		t.Fatalf("%v %v", ps, err)
	}
	all, _ := r.Resolve([]string{"all"}, nil)
	if len(all) != 9 {
		t.Fatalf("all = %d platforms", len(all))
	}
	_, err = r.Resolve([]string{"cuad"}, catalog.Closest)
	if err == nil || !strings.Contains(err.Error(), `unknown hardware "cuad"; closest: cuda`) {
		t.Fatalf("error %v", err)
	}
}

func TestCompatible(t *testing.T) {
	r := Builtin()
	get := func(k string) Platform { p, _ := r.Get(k); return p }
	bert := catalog.Architecture{Name: "bert", Category: catalog.TextEncoder, DefaultParamsM: 108}
	llama := catalog.Architecture{Name: "llama", Category: catalog.TextDecoder, DefaultParamsM: 5164}
	llava := catalog.Architecture{Name: "llava", Category: catalog.Multimodal, DefaultParamsM: 300}
	tests := []struct {
		arch      catalog.Architecture
		hw        string
		precision string
		want      bool
		reason    string
	}{
		{bert, "cpu", "", true, ""},
		{bert, "webgpu", "", true, ""},
		{llava, "webgpu", "", false, "webgpu runs text-encoder"},
		{bert, "onnxruntime", "fp16", false, "onnxruntime does not support fp16"},
		{llama, "qualcomm", "", false, "exceeds qualcomm's 8192 MB"},
		{llama, "cuda", "", true, ""},
	}
	for _, tt := range tests {
		ok, reason := Compatible(tt.arch, get(tt.hw), tt.precision)
		if ok != tt.want || !strings.Contains(reason, tt.reason) {
			t.Errorf("%s on %s: %v %q, want %v %q", tt.arch.Name, tt.hw, ok, reason, tt.want, tt.reason)
		}
	}
}

func TestDetect(t *testing.T) {
	p, err := ParseProbe([]byte(`{"python":"3.11.7","machine":"x86_64","system":"Linux",
		"torch":{"available":true,"version":"2.15.0","cuda":true,"devices":["NVIDIA H100"]},
		"openvino":{"available":true,"version":"2026.4","devices":["CPU"]},
		"onnxruntime":{"available":true,"version":"1.31","providers":["CPUExecutionProvider"],"qnn":false}}`))
	if err != nil {
		t.Fatal(err)
	}
	ds := Detect(p)
	got := strings.Join(Labels(p, ds), ",")
	if got != "self-hosted,linux,cpu,cuda,onnxruntime,openvino" {
		t.Fatalf("labels %s", got)
	}
	mac, _ := ParseProbe([]byte(`{"system":"Darwin","torch":{"available":true,"mps":true}}`))
	if got := strings.Join(Labels(mac, Detect(mac)), ","); got != "self-hosted,macos,cpu,mps" {
		t.Fatalf("mac labels %s", got)
	}
}

func TestOptimizations(t *testing.T) {
	r := Builtin()
	got := r.Optimizations()
	if len(got) != len(r.Keys()) {
		t.Fatalf("Optimizations has %d platforms, want %d", len(got), len(r.Keys()))
	}
	for _, p := range r.All() {
		if !slices.Equal(got[p.PlatformKey], p.Optimizations) {
			t.Errorf("%s: %v, want %v", p.PlatformKey, got[p.PlatformKey], p.Optimizations)
		}
	}
}

func TestMachineProbe(t *testing.T) {
	onPath := func(names ...string) func(string) (string, error) {
		return func(n string) (string, error) {
			if slices.Contains(names, n) {
				return "/usr/bin/" + n, nil
			}
			return "", errors.New("not found")
		}
	}
	p, err := MachineProbe(nil, false, onPath("nvidia-smi"))
	if err != nil || p.System != "Linux" || !p.NvidiaSMI || p.ROCmSMI || p.Torch.Available {
		t.Errorf("probe that did not run = %+v, %v; want Linux, nvidia-smi only", p, err)
	}
	p, err = MachineProbe([]byte(`{"system": "Darwin", "torch": {"available": true, "mps": true}}`), true, onPath("rocm-smi"))
	if err != nil || p.System != "Darwin" || !p.Torch.MPS || p.NvidiaSMI || !p.ROCmSMI {
		t.Errorf("probe = %+v, %v; want Darwin with mps, rocm-smi only", p, err)
	}
	if _, err := MachineProbe([]byte("not json"), true, onPath()); err == nil {
		t.Error("bad probe output: no error")
	}
}
