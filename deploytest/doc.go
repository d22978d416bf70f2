// Package deploytest verifies the deployment statically, since no cluster, Docker engine or
// Tilt binary exists where the tests run: the Helm chart rendered with every values file, the
// k8s/ manifests, the Dockerfile's targets and the Tiltfile. See deploy_test.go.
package deploytest
