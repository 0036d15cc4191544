// Package archtest enforces the layering docs/architecture.md describes:
// the domain never imports cobra, pflag or the face, only the face reads
// the environment, and test doubles stay out of shipped code. It has no
// code of its own; its test reads every package's imports and calls.
package archtest
