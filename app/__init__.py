"""What a person uses: the `ragvsft` command line (cli.py, one function per subcommand in
commands.py) and the workshop UI (workshop/). Both only call eval/, corpora/, rag/ and finetune/."""
