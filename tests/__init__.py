"""The tests, laid out like the package: api/, input/, store/, apiserver/, bootstrap/,
controllers/, resolver/, printers/, kubectl/ test those layers; cli/ runs kubesvc end to end
(golden transcripts under golden/); reliability/ attacks the store and the inputs.

Shared helpers are plain modules, never test modules: builders.py (objects), param_ids.py
(readable parametrize ids), figures.py (numbers the reliability tests report), conftest.py
(the `cli` fixture, golden files). Every folder is a package, so `from tests.x import y` works
however pytest is started."""
