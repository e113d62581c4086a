// Wrapper module: builds Metacontroller v4.17.2 (commit 76b818bdc67b).
// Upstream's go.mod says `module metacontroller` and its v4 tags are not valid
// versions for that path, so it is required under its own module name and
// replaced by the GitHub path at the commit's pseudo-version.
// The replace lines below the first are copied from upstream's go.mod.
//
// KNOWN PROBLEM (2026-11-23): the Go module proxy this project can reach
// answers 403 "This module version is not available." for every version of
// github.com/metacontroller/metacontroller except v1.5.20 (2021): the pseudo-
// version below (commit 76b818bdc67b, v4.17.2), those of v4.17.1 / v4.17.0 /
// v4.16.0 and the raw commit hashes were all refused. So there is no go.sum
// here yet; build.sh reports the failure and up.sh then runs without
// Metacontroller unless E2E_METACONTROLLER_BIN names a binary obtained
// otherwise. Once the proxy serves it: `go mod tidy` here and commit go.sum.
module stellar-peers/e2e-tools/metacontroller

go 1.26.4

tool metacontroller/pkg/cmd/metacontroller

require metacontroller v0.0.0-00010101000000-000000000000

replace (
	metacontroller => github.com/metacontroller/metacontroller v1.5.21-0.20260813213314-76b818bdc67b
	golang.org/x/net => golang.org/x/net v0.57.0
	k8s.io/apiextensions-apiserver => k8s.io/apiextensions-apiserver v0.36.3
	k8s.io/apimachinery => k8s.io/apimachinery v0.36.3
	k8s.io/client-go => k8s.io/client-go v0.36.3
)
