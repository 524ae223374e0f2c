"""The Kubernetes API over HTTP, in front of a kubesvc state, for real clients (kubectl, the
official client libraries, dashboards). Imported only by `kubesvc serve`: nothing here is on
the plain CLI commands' start-up path.

One request is one Session (kubectl/session.py): the same admission, the same controllers
after each write, the same store lock as the CLI, so both can work on one state at once.
"""
