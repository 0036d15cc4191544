// Package config reads hwcov.yaml, the per-repository settings: where the
// templates, custom hardware and catalog live, the priority tiers, the Python
// interpreter and the default database.
package config
