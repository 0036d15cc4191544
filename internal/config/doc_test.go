package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/catalog"
)

// TestEveryKeyDocumented keeps docs/configuration.md true: every key
// hwcov.yaml accepts is named there.
func TestEveryKeyDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, typ := range []struct {
		prefix string
		t      reflect.Type
	}{{"", reflect.TypeOf(Config{})}, {"priorities.", reflect.TypeOf(catalog.Priorities{})}} {
		for i := range typ.t.NumField() {
			keys = append(keys, typ.prefix+strings.Split(typ.t.Field(i).Tag.Get("yaml"), ",")[0])
		}
	}
	if len(keys) < 10 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/configuration.md does not name the key %s", k)
		}
	}
}
