package action

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestActionYML checks the repository's action.yml: what actionlint does not
// (shells, no expression inside a script), and that it agrees with this
// package (the inputs it reads, the outputs it writes, every input passed to
// the hwcov step as INPUT_<NAME>).
func TestActionYML(t *testing.T) {
	data, err := os.ReadFile("../../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	fs, md, err := CheckComposite(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Errorf("action.yml %s", f)
	}
	if !reflect.DeepEqual(md.Inputs, InputNames) {
		t.Errorf("action.yml inputs %q\nInputNames         %q", md.Inputs, InputNames)
	}
	if !reflect.DeepEqual(md.Outputs, OutputNames) {
		t.Errorf("action.yml outputs %q\nOutputNames         %q", md.Outputs, OutputNames)
	}
	getBinary := map[string]bool{"binary": true, "hwcov-version": true, "go-version": true}
	for _, in := range InputNames {
		v, ok := md.StepEnv["hwcov."+EnvName(in)]
		switch {
		case getBinary[in] && ok:
			t.Errorf("input %s is for getting the binary, not for hwcov action", in)
		case !getBinary[in] && v != "${{ inputs."+in+" }}":
			t.Errorf("step hwcov: env %s = %q, want ${{ inputs.%s }}", EnvName(in), v, in)
		}
	}
	for k := range md.StepEnv {
		if name, ok := strings.CutPrefix(k, "hwcov.INPUT_"); ok {
			found := false
			for _, in := range InputNames {
				found = found || EnvName(in) == "INPUT_"+name
			}
			if !found {
				t.Errorf("step hwcov passes %s, which is no input", k)
			}
		}
	}
}

func TestCheckCompositeFindsProblems(t *testing.T) {
	bad := `name: x
description: x
inputs:
  a: {description: a}
outputs:
  o: {description: o}
runs:
  using: composite
  steps:
    - run: echo hi
    - id: s
      shell: bash
      run: |
        echo "${{ inputs.a }}"
        echo "${{ github.event.pull_request.title }}"
        echo ${{github.head_ref}}
      env:
        B: ${{ inputs.b }}
`
	fs, _, err := CheckComposite([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`line 6: output "o" has no value`,
		`line 10: step 1: run: without shell:`,
		`line 13: step "s": ${{ inputs.a }} inside a run: script`,
		`line 13: step "s": ${{ github.event.pull_request.title }} inside a run: script`,
		`line 13: step "s": ${{ github.head_ref }} inside a run: script`,
		`line 18: inputs.b is not a declared input`,
	}
	if len(fs) != len(want) {
		t.Errorf("got %d findings, want %d: %v", len(fs), len(want), fs)
	}
	for i, w := range want {
		if i < len(fs) && !strings.HasPrefix(fs[i].String(), w) {
			t.Errorf("finding %d = %q, want %q...", i, fs[i], w)
		}
	}
	if fs, _, _ := CheckComposite([]byte("runs:\n  using: node20\n")); len(fs) != 1 || !strings.Contains(fs[0].Msg, "not composite") {
		t.Errorf("node action: %v", fs)
	}
	if _, _, err := CheckComposite([]byte("- a\n")); err == nil {
		t.Errorf("a list is not action metadata")
	}
}
