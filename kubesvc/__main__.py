from kubesvc.cli.entry import main

main()
