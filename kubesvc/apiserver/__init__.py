"""The parts of kube-apiserver kubesvc runs in-process: system metadata, per-kind strategies
(defaulting, allocation, validation) and the create/update/delete paths over the store."""
