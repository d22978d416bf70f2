// Package e2e holds the end-to-end tests (build tag e2e); see e2e_test.go.
package e2e
