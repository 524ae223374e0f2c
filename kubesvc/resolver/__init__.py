"""The resolver: what a client reaches through a Service, a name or an address, and why.

Modules depend one way: `records`, `view` < `routing` (kube-proxy), `caddyfile` < `corefile`
(the cluster's CoreDNS configuration) < `dns` (CoreDNS), `address_pools` (MetalLB) <
`diagnosis` < `targets` (parsing targets and clients) < `follow` (following an address or a
name) < `check` (whole-cluster reports) < `resolve` (the `kubesvc resolve` entry point).
"""
