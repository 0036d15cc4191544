package reporter

import (
	"strings"
	"testing"
)

func TestWriteJSONEscapeOption(t *testing.T) {
	v := map[string]string{"diff": "a < b && c > d"}
	tests := []struct {
		name string
		opts []JSONOption
		want string
	}{
		{"plain", nil, "{\n  \"diff\": \"a < b && c > d\"\n}\n"},
		{"escaped", []JSONOption{EscapeHTML}, "{\n  \"diff\": \"a \\u003c b \\u0026\\u0026 c \\u003e d\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteJSON(&b, v, tt.opts...); err != nil || b.String() != tt.want {
				t.Errorf("WriteJSON = %q, %v; want %q", b.String(), err, tt.want)
			}
		})
	}
}
