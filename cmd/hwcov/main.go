// Command hwcov tests HuggingFace architectures across hardware platforms from CI.
package main

import (
	"os"

	"github.com/hwcov/hwcov/internal/face/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
