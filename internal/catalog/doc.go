// Package catalog knows every architecture of the installed transformers: its
// category, the auto class that builds it, its size and its priority tier.
package catalog
