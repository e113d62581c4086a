// Wrapper module: builds Metacontroller v4.17.2 (commit 76b818bdc67b).
// Upstream's go.mod says `module metacontroller` and its v4 tags are not valid
// versions for that path, so it is required under its own module name and
// replaced by the GitHub path at the commit's pseudo-version.
// The replace lines below the first are copied from upstream's go.mod.
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
