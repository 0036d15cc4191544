package web

import (
	"reflect"
	"testing"
)

// Log lines as onnxruntime-web 1.30.0 wrote them in Chromium (one console
// message per line).
const (
	pre     = "2026-11-25 21:17:43.624615 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp] "
	preNode = "2026-11-25 21:17:43.625210 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   "
)

func TestParsePlacement(t *testing.T) {
	tests := []struct {
		name, platform string
		lines          []string
		want           Placement
		ops            string
	}{
		{
			name: "webgpu all placed", platform: "webgpu",
			lines: []string{pre + "Node placements", pre + " All nodes placed on [JsExecutionProvider]. Number of nodes: 82"},
			want:  Placement{Providers: map[string]int{"JsExecutionProvider": 82}, Logged: true},
		},
		{
			name: "webgpu with a fallback", platform: "webgpu",
			lines: []string{
				"2026-11-25 [I:onnxruntime:, js_execution_provider.cc:823 GetCapability] webgpu kernel not found in registries for Op type: Det node name: determinant",
				"2026-11-25 [I:onnxruntime:, js_execution_provider.cc:823 GetCapability] webgpu kernel not found in registries for Op type: Det node name: determinant",
				pre + "Node placements",
				pre + " Node(s) placed on [CPUExecutionProvider]. Number of nodes: 1",
				preNode + "Det (determinant)",
				pre + " Node(s) placed on [JsExecutionProvider]. Number of nodes: 4",
				preNode + "MatMul (matmul)",
				preNode + "MemcpyToHost (Memcpy_token_0)",
			},
			want: Placement{
				Providers: map[string]int{"CPUExecutionProvider": 1, "JsExecutionProvider": 4}, Logged: true,
				Fallback: []Node{{"Det", "determinant"}}, FallbackCount: 1, Unsupported: []Node{{"Det", "determinant"}},
			},
			ops: "Det",
		},
		{
			name: "webnn everything on wasm", platform: "webnn",
			lines: []string{
				"[V:onnxruntime:, helper.cc:216 GetSupportedNodes] Operator type: [Det] index: [0] name: [] supported: [0]",
				"[V:onnxruntime:, helper.cc:216 GetSupportedNodes] Operator type: [Relu] index: [1] name: [r] supported: [1]",
				pre + " All nodes placed on [CPUExecutionProvider]. Number of nodes: 2",
			},
			want: Placement{Providers: map[string]int{"CPUExecutionProvider": 2}, Logged: true, FallbackCount: 2, Unsupported: []Node{{"Det", ""}}},
			ops:  "Det",
		},
		{
			name: "one multi-line message", platform: "webgpu",
			lines: []string{pre + " Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2\n  Cast (c1)\n  Cast (c2)\n"},
			want:  Placement{Providers: map[string]int{"CPUExecutionProvider": 2}, Logged: true, FallbackCount: 2, Fallback: []Node{{"Cast", "c1"}, {"Cast", "c2"}}},
			ops:   "Cast x2",
		},
		{name: "no log", platform: "webnn", want: Placement{Providers: map[string]int{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParsePlacement(tt.platform, tt.lines)
			tt.want.Expected = expectedProviders[tt.platform]
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.OnPlatform() != (tt.ops == "" && tt.want.Logged) {
				t.Errorf("OnPlatform() = %v", got.OnPlatform())
			}
			if ops := got.FallbackOps(); ops != tt.ops {
				t.Errorf("FallbackOps() = %q, want %q", ops, tt.ops)
			}
		})
	}
}

func TestAdapterLabel(t *testing.T) {
	tests := []struct {
		platform string
		adapter  map[string]any
		version  string
		want     string
	}{
		{"webgpu", map[string]any{"vendor": "google", "architecture": "swiftshader", "isFallbackAdapter": true}, "", "webgpu (SwiftShader CPU adapter)"},
		{"webgpu", map[string]any{"vendor": "nvidia", "architecture": "ampere", "isFallbackAdapter": false}, "", "webgpu (nvidia ampere)"},
		{"webgpu", map[string]any{"vendor": "mesa", "architecture": "llvmpipe", "isFallbackAdapter": true}, "", "webgpu (mesa llvmpipe, fallback CPU adapter)"},
		{"webgpu", nil, "", "webgpu"},
		{"webnn", map[string]any{"deviceType": "cpu"}, "HeadlessChrome/153.0.8010.0", "webnn (cpu device, Chromium 153)"},
		{"webnn", map[string]any{"deviceType": "gpu"}, "", "webnn (gpu device)"},
	}
	for _, tt := range tests {
		if got := AdapterLabel(tt.platform, tt.adapter, tt.version); got != tt.want {
			t.Errorf("AdapterLabel(%s, %v) = %q, want %q", tt.platform, tt.adapter, got, tt.want)
		}
	}
}
