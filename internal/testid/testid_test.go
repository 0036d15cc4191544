package testid

import "testing"

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		in      string
		want    ID
		wantErr bool
	}{
		{in: "bert@cpu/fp32/b1/s128", want: ID{"bert", "cpu", "fp32", 1, 128}},
		{in: "wav2vec2@openvino/fp16/b8/s512", want: ID{"wav2vec2", "openvino", "fp16", 8, 512}},
		{in: "bert", wantErr: true},
		{in: "@cpu/fp32/b1/s1", wantErr: true},
		{in: "bert@cpu/fp32/1/s128", wantErr: true},
		{in: "bert@cpu/fp32/b0/s128", wantErr: true},
		{in: "bert@cpu/fp32/b1/sx", wantErr: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr {
			t.Fatalf("Parse(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
		}
		if tt.wantErr {
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
}
