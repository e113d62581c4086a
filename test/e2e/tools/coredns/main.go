// Command coredns is CoreDNS v1.15.0 (github.com/coredns/coredns, from the Go module
// proxy) with only the plugins the e2e harness's Corefile uses (test/e2e/cluster/up.sh):
// bind, ready, errors, log and kubernetes. Upstream's main (coredns.go at the module root)
// is the same two lines with core/plugin imported, which pulls in every plugin of
// plugin.cfg and with them the AWS, Azure and Google Cloud SDKs: a cold build of that
// downloads 1.6 GB and takes about twice as long, for plugins no test uses. The plugins
// compiled here are upstream's code at the pinned version, unchanged.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

// The order plugins handle a query in: upstream's plugin.cfg order (which
// core/dnsserver/zdirectives.go is generated from), restricted to the plugins above.
// Keep it so when bumping the version.
func init() {
	dnsserver.Directives = []string{"bind", "ready", "errors", "log", "kubernetes"}
}

func main() {
	coremain.Run()
}
