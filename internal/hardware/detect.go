package hardware

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Probe is what runners/python/hwcov_harness/detect.py reports, plus the
// checks made from Go (nvidia-smi / rocm-smi on PATH, the OS).
type Probe struct {
	Python  string `json:"python"`
	Machine string `json:"machine"`
	System  string `json:"system"`
	Torch   struct {
		Available bool     `json:"available"`
		Version   string   `json:"version"`
		CUDA      bool     `json:"cuda"`
		ROCm      bool     `json:"rocm"`
		MPS       bool     `json:"mps"`
		Devices   []string `json:"devices"`
		Reason    string   `json:"reason"`
	} `json:"torch"`
	OpenVINO struct {
		Available bool     `json:"available"`
		Version   string   `json:"version"`
		Devices   []string `json:"devices"`
		Reason    string   `json:"reason"`
	} `json:"openvino"`
	ONNXRuntime struct {
		Available bool     `json:"available"`
		Version   string   `json:"version"`
		Providers []string `json:"providers"`
		QNN       bool     `json:"qnn"`
		Reason    string   `json:"reason"`
	} `json:"onnxruntime"`

	NvidiaSMI bool              `json:"nvidia_smi"` // nvidia-smi on PATH
	ROCmSMI   bool              `json:"rocm_smi"`   // rocm-smi on PATH
	Web       map[string]string `json:"web"`        // webgpu/webnn -> adapter label when a browser can run it
}

// ParseProbe reads detect.py's JSON output.
func ParseProbe(data []byte) (Probe, error) {
	var p Probe
	if err := json.Unmarshal(data, &p); err != nil {
		return Probe{}, fmt.Errorf("parse hardware probe: %w", err)
	}
	return p, nil
}

// MachineProbe is the probe of this machine: detect.py's output raw when
// ran (when the probe could not run: cpu only), the OS defaulting to Linux,
// and whether nvidia-smi and rocm-smi are on PATH (lookPath, as
// exec.LookPath).
func MachineProbe(raw []byte, ran bool, lookPath func(string) (string, error)) (Probe, error) {
	var p Probe
	if ran {
		var err error
		if p, err = ParseProbe(raw); err != nil {
			return p, err
		}
	}
	if p.System == "" {
		p.System = "Linux"
	}
	_, errNV := lookPath("nvidia-smi")
	_, errROC := lookPath("rocm-smi")
	p.NvidiaSMI, p.ROCmSMI = errNV == nil, errROC == nil
	return p, nil
}

// Detection says, for one platform, whether this machine can run it.
type Detection struct {
	Platform  string `json:"platform"`
	Available bool   `json:"available"`
	Detail    string `json:"detail"`
}

// Detect turns a probe into one line per built-in platform. cpu is always
// available.
func Detect(p Probe) []Detection {
	yes := func(k, d string) Detection { return Detection{Platform: k, Available: true, Detail: d} }
	no := func(k, d string) Detection { return Detection{Platform: k, Detail: d} }
	var out []Detection
	out = append(out, yes("cpu", fmt.Sprintf("%s %s, python %s", p.System, p.Machine, p.Python)))
	torchWhy := "torch not importable"
	if p.Torch.Reason != "" {
		torchWhy += ": " + p.Torch.Reason
	}
	switch {
	case p.Torch.CUDA:
		out = append(out, yes("cuda", fmt.Sprintf("torch %s sees %v", p.Torch.Version, p.Torch.Devices)))
	case !p.Torch.Available && p.NvidiaSMI:
		out = append(out, no("cuda", "nvidia-smi found but "+torchWhy))
	case p.Torch.Available:
		out = append(out, no("cuda", "torch "+p.Torch.Version+" sees no CUDA device"))
	default:
		out = append(out, no("cuda", torchWhy))
	}
	switch {
	case p.Torch.ROCm:
		out = append(out, yes("rocm", fmt.Sprintf("torch %s (HIP) sees %v", p.Torch.Version, p.Torch.Devices)))
	case p.ROCmSMI:
		out = append(out, no("rocm", "rocm-smi found but torch has no HIP device"))
	default:
		out = append(out, no("rocm", "no ROCm device"))
	}
	if p.Torch.MPS {
		out = append(out, yes("mps", "torch "+p.Torch.Version+" MPS backend"))
	} else {
		out = append(out, no("mps", "no MPS backend (macOS on Apple silicon only)"))
	}
	if p.OpenVINO.Available {
		out = append(out, yes("openvino", fmt.Sprintf("openvino %s devices %v", p.OpenVINO.Version, p.OpenVINO.Devices)))
	} else {
		out = append(out, no("openvino", "openvino not importable"))
	}
	if p.ONNXRuntime.Available {
		out = append(out, yes("onnxruntime", fmt.Sprintf("onnxruntime %s providers %v", p.ONNXRuntime.Version, p.ONNXRuntime.Providers)))
	} else {
		out = append(out, no("onnxruntime", "onnxruntime not importable"))
	}
	if p.ONNXRuntime.QNN {
		out = append(out, yes("qualcomm", "onnxruntime QNNExecutionProvider"))
	} else {
		out = append(out, no("qualcomm", "no QNNExecutionProvider in onnxruntime"))
	}
	for _, k := range []string{"webnn", "webgpu"} {
		if label, ok := p.Web[k]; ok {
			out = append(out, yes(k, label))
		} else {
			out = append(out, no(k, "no browser that can create a "+k+" context"))
		}
	}
	return out
}

// Labels returns the runner labels to register a self-hosted runner with:
// self-hosted, the OS, and every available platform key.
func Labels(p Probe, ds []Detection) []string {
	osLabel := "linux"
	switch p.System {
	case "Darwin":
		osLabel = "macos"
	case "Windows":
		osLabel = "windows"
	}
	labels := []string{"self-hosted", osLabel}
	var keys []string
	for _, d := range ds {
		if d.Available {
			keys = append(keys, d.Platform)
		}
	}
	sort.Strings(keys)
	return append(labels, keys...)
}
