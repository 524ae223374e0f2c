from kubesvc.cli.entry import run

run()
