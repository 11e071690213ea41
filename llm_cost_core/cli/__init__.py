"""The command line: the click group and error mapping (`app`), one module per command in
`commands/`, and below them the shared options, input reading, progress and the process pool.
"""
