from kubesvc.cli.main import run

run()
