from tflint_sg.cli import main

main()
